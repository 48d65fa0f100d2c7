package sxtauth_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"strings"
	"testing"
)

// TestEveryExportedIdentifierIsDocumented keeps `go doc` a complete reference.
func TestEveryExportedIdentifierIsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := pkgs["sxtauth"]
	if !ok {
		t.Fatalf("package sxtauth not found: %v", pkgs)
	}
	d := doc.New(p, "github.com/sxt-auth/sxt-auth/bindings/go", 0)
	missing := []string{}
	check := func(name, text string) {
		if ast.IsExported(name) && strings.TrimSpace(text) == "" {
			missing = append(missing, name)
		}
	}
	if len(d.Doc) < 500 {
		t.Errorf("package comment is only %d bytes", len(d.Doc))
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, spec := range v.Decl.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					vspec := spec.(*ast.ValueSpec)
					text := v.Doc
					if vspec.Doc != nil {
						text += vspec.Doc.Text()
					}
					if vspec.Comment != nil {
						text += vspec.Comment.Text()
					}
					check(n.Name, text)
				}
			}
		}
	}
	values(d.Consts)
	values(d.Vars)
	for _, f := range d.Funcs {
		check(f.Name, f.Doc)
	}
	for _, typ := range d.Types {
		check(typ.Name, typ.Doc)
		values(typ.Consts)
		values(typ.Vars)
		for _, f := range typ.Funcs {
			check(f.Name, f.Doc)
		}
		for _, m := range typ.Methods {
			check(typ.Name+"."+m.Name, m.Doc)
		}
		for _, spec := range typ.Decl.Specs {
			if st, ok := spec.(*ast.TypeSpec).Type.(*ast.StructType); ok {
				for _, field := range st.Fields.List {
					for _, n := range field.Names {
						if field.Doc == nil && field.Comment == nil {
							check(typ.Name+"."+n.Name, "")
						}
					}
				}
			}
		}
	}
	if len(missing) > 0 {
		t.Fatalf("exported identifiers without documentation: %v", missing)
	}
}
