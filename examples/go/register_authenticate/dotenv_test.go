package main

import (
	"strings"
	"testing"
)

func TestParseDotenv(t *testing.T) {
	text := strings.Join([]string{
		"# a comment",
		"",
		"API_URL=\"https://api.example/v1/\"",
		"export USER_PRIVATE_KEY='abc=='  # trailing comment",
		"  ORG_CODE = plain value # comment",
		"HASH=a#b",
		"EMPTY=",
		"UNCLOSED=\"oops",
		"=novalue",
		"no equals sign",
		"exporter=x",
		"DUP=1",
		"DUP=2\r",
	}, "\n")
	s := &settings{file: map[string]string{}}
	if err := s.parse(strings.NewReader(text)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"API_URL":          "https://api.example/v1/",
		"USER_PRIVATE_KEY": "abc==",
		"ORG_CODE":         "plain value",
		"HASH":             "a#b",
		"EMPTY":            "",
		"exporter":         "x",
		"DUP":              "2",
	}
	if len(s.file) != len(want) {
		t.Errorf("parsed %d names %v, want %d", len(s.file), s.file, len(want))
	}
	for k, v := range want {
		if got, ok := s.file[k]; !ok || got != v {
			t.Errorf("%s = %q (set %v), want %q", k, got, ok, v)
		}
	}
}

func TestRealEnvironmentWins(t *testing.T) {
	s := &settings{file: map[string]string{"SXT_EX_A": "file", "SXT_EX_B": "file", "SXT_EX_C": "file"}}
	t.Setenv("SXT_EX_A", "env")
	t.Setenv("SXT_EX_B", "")
	if got := s.nonempty("SXT_EX_A"); got != "env" {
		t.Errorf("A = %q, want env", got)
	}
	if got := s.nonempty("SXT_EX_B"); got != "" {
		t.Errorf("B = %q, want \"\" (an empty real variable masks the file, as in the C example)", got)
	}
	if got := s.nonempty("SXT_EX_C"); got != "file" {
		t.Errorf("C = %q, want file", got)
	}
}
