package main

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
)

// settings are the example's configuration: the real environment first, then a .env file.
type settings struct {
	file map[string]string // the .env file's assignments (the last one of a name wins)
}

// loadDotenv reads path if it exists; a missing file is not an error.
func loadDotenv(path string) (*settings, error) {
	s := &settings{file: map[string]string{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := s.parse(f); err != nil {
		return nil, err
	}
	return s, nil
}

// parse reads KEY=VALUE lines: blank lines and # comments are skipped, an `export ` prefix is allowed,
// a value may be in single or double quotes (anything after the closing quote is ignored), an unquoted
// value ends at a ` #` comment and loses its trailing blanks. Malformed lines are skipped.
func (s *settings) parse(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		if name, value, ok := parseLine(sc.Text()); ok {
			s.file[name] = value
		}
	}
	return sc.Err()
}

func isNameChar(c byte) bool {
	return c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func parseLine(line string) (name, value string, ok bool) {
	p := line
	if i := strings.IndexByte(p, '\r'); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimLeft(p, " \t\v\f")
	if p == "" || p[0] == '#' {
		return "", "", false
	}
	if strings.HasPrefix(p, "export") && len(p) > 6 && (p[6] == ' ' || p[6] == '\t') {
		p = strings.TrimLeft(p[7:], " \t\v\f")
	}
	n := 0
	for n < len(p) && isNameChar(p[n]) {
		n++
	}
	if n == 0 {
		return "", "", false
	}
	name = p[:n]
	rest := strings.TrimLeft(p[n:], " \t")
	if rest == "" || rest[0] != '=' {
		return "", "", false
	}
	rest = strings.TrimLeft(rest[1:], " \t")
	if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return "", "", false
		}
		return name, rest[1 : 1+end], true
	}
	end := len(rest)
	for i := 1; i < len(rest); i++ {
		if rest[i] == '#' && (rest[i-1] == ' ' || rest[i-1] == '\t') {
			end = i
			break
		}
	}
	return name, strings.TrimRight(rest[:end], " \t\v\f"), true
}

// get returns a setting: the real environment wins over the file (even when set to ""); ok is false when
// neither has it.
func (s *settings) get(name string) (string, bool) {
	if v, ok := os.LookupEnv(name); ok {
		return v, true
	}
	v, ok := s.file[name]
	return v, ok
}

// nonempty returns a setting that counts only when it is not empty.
func (s *settings) nonempty(name string) string {
	v, _ := s.get(name)
	return v
}
