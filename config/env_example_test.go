package config_test

// .env.example is where an operator learns every setting, and config is
// the only code that reads the environment. This test keeps the two in
// step: a setting config reads that .env.example does not list is one
// nobody finds, and one .env.example lists that config never reads is one
// somebody sets for nothing.

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/joho/godotenv"
)

const envExample = "../.env.example"

func TestEnvExampleMatchesConfig(t *testing.T) {
	listed := envExampleNames(t, envExample)
	read := configReads(t, ".")

	var unread, unlisted []string
	for name, line := range listed {
		if _, ok := read[name]; !ok {
			unread = append(unread, fmt.Sprintf("%s (.env.example %s)", name, line))
		}
	}
	for name, where := range read {
		if _, ok := listed[name]; !ok {
			unlisted = append(unlisted, fmt.Sprintf("%s (read at %s)", name, where))
		}
	}
	slices.Sort(unread)
	slices.Sort(unlisted)
	if len(unlisted) > 0 {
		t.Errorf("config reads %d setting(s) that .env.example does not list; add each with its default and a comment saying what it does:\n  %s",
			len(unlisted), strings.Join(unlisted, "\n  "))
	}
	if len(unread) > 0 {
		t.Errorf(".env.example lists %d setting(s) that config never reads; make config read each, or take it out of .env.example:\n  %s",
			len(unread), strings.Join(unread, "\n  "))
	}
	if !t.Failed() {
		t.Logf("%d settings, listed in .env.example and read by config alike", len(read))
	}
}

// commentedSetting is an example inside a comment, "# NAME=value": the
// name in capitals right after the "#", and "=" right after the name, so
// that prose which merely mentions a setting ("follows ADDR (ADDR=...")
// is not taken for one.
var commentedSetting = regexp.MustCompile(`^#\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=`)

// envExampleNames returns every setting .env.example lists, set or shown
// commented out, with the line it first appears on.
func envExampleNames(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	// The settings themselves are read the way the server reads .env.
	set, err := godotenv.Unmarshal(string(raw))
	if err != nil {
		t.Fatalf("%s does not parse as a .env file (the server reads a copy of it): %v", path, err)
	}
	names := map[string]string{}
	assignment := regexp.MustCompile(`^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=`)
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		where := fmt.Sprintf("line %d", n)
		m := assignment.FindStringSubmatch(line)
		if m == nil {
			m = commentedSetting.FindStringSubmatch(line)
			where += ", in a comment"
		}
		if m != nil {
			if _, seen := names[m[1]]; !seen {
				names[m[1]] = where
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	// A line this scan misread (a value running over several lines, say)
	// must not hide a setting godotenv sees.
	for name := range set {
		if _, ok := names[name]; !ok {
			t.Errorf("%s sets %s, but the line scan did not find it: fix envExampleNames", path, name)
			names[name] = "set, but not found by the line scan"
		}
	}
	if len(names) < 10 {
		t.Fatalf("found only %d settings in %s: the file or this parser changed", len(names), path)
	}
	return names
}

// configReads returns every environment variable the config package
// reads, with where it is first read. Config reads through the loader's
// helpers (l.str("NAME", ...), l.positiveInt, l.duration, ...), which
// end in l.getenv(name); any direct getenv("NAME") counts too. The helpers
// are found, not listed: a method of loader is one when it passes a
// parameter on to getenv or to another helper, so a helper added later is
// seen without changing this test.
func configReads(t *testing.T, dir string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatalf("parsing %s: %v", p, err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}

	consts := stringConsts(files)

	// loader's methods, with their parameters' names.
	type method struct {
		decl   *ast.FuncDecl
		params []string
	}
	methods := map[string]method{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 || recvType(fd.Recv.List[0].Type) != "loader" {
				continue
			}
			var params []string
			for _, field := range fd.Type.Params.List {
				for _, n := range field.Names {
					params = append(params, n.Name)
				}
			}
			methods[fd.Name.Name] = method{decl: fd, params: params}
		}
	}
	// helpers[m] is the position of the parameter that names the variable
	// in the loader method m that reads it.
	helpers := map[string]int{}
	for changed := true; changed; {
		changed = false
		for name, m := range methods {
			if _, known := helpers[name]; known {
				continue
			}
			ast.Inspect(m.decl.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				at, ok := nameArg(call, helpers)
				if !ok {
					return true
				}
				if id, ok := call.Args[at].(*ast.Ident); ok {
					if i := slices.Index(m.params, id.Name); i >= 0 {
						helpers[name], changed = i, true
						return false
					}
				}
				return true
			})
		}
	}
	if len(helpers) == 0 {
		t.Fatalf("found no loader method that reads the environment (helpers: %v): config's loader changed, and this test must learn its new shape", helpers)
	}

	reads := map[string]string{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			at, ok := nameArg(call, helpers)
			if !ok {
				return true
			}
			arg := call.Args[at]
			pos := fset.Position(call.Pos())
			where := fmt.Sprintf("%s:%d", filepath.Base(pos.Filename), pos.Line)
			switch a := arg.(type) {
			case *ast.BasicLit:
				if a.Kind == token.STRING {
					if s, err := strconv.Unquote(a.Value); err == nil {
						if _, seen := reads[s]; !seen {
							reads[s] = where
						}
						return true
					}
				}
			case *ast.Ident:
				if s, ok := consts[a.Name]; ok {
					if _, seen := reads[s]; !seen {
						reads[s] = where
					}
					return true
				}
				if forwardsParam(a.Name, call, files) {
					return true // a helper passing its own parameter on
				}
			}
			t.Errorf("%s reads a variable whose name is not a string literal or constant; this test cannot tell which, so name it literally", where)
			return true
		})
	}
	if len(reads) < 10 {
		t.Fatalf("found only %d variables read by config: the loader changed, and this test must learn its new shape", len(reads))
	}
	return reads
}

// nameArg reports whether call reads the environment, and which argument
// names the variable: a loader helper (by its method name), or a getenv
// function (l.getenv, a Getenv value named getenv, os.Getenv,
// os.LookupEnv).
func nameArg(call *ast.CallExpr, helpers map[string]int) (int, bool) {
	var name string
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		name = fn.Sel.Name
		if at, ok := helpers[name]; ok {
			return at, at < len(call.Args)
		}
	case *ast.Ident:
		name = fn.Name
	default:
		return 0, false
	}
	switch name {
	case "getenv", "Getenv", "LookupEnv":
		return 0, len(call.Args) > 0
	}
	return 0, false
}

// forwardsParam reports whether id, the name argument of call, is a
// parameter of a function whose body holds call: a helper passing its own
// name on (oneOf's l.str(name, def)), or WithDotEnv's getenv(k).
func forwardsParam(id string, call *ast.CallExpr, files []*ast.File) bool {
	found := false
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			var ft *ast.FuncType
			var body *ast.BlockStmt
			switch fn := n.(type) {
			case *ast.FuncDecl:
				ft, body = fn.Type, fn.Body
			case *ast.FuncLit:
				ft, body = fn.Type, fn.Body
			default:
				return !found
			}
			if body == nil || call.Pos() < body.Pos() || call.End() > body.End() {
				return false
			}
			for _, field := range ft.Params.List {
				for _, n := range field.Names {
					found = found || n.Name == id
				}
			}
			return !found
		})
	}
	return found
}

// stringConsts maps the package's string constants to their values.
func stringConsts(files []*ast.File) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if s, err := strconv.Unquote(lit.Value); err == nil {
								out[n.Name] = s
							}
						}
					}
				}
			}
		}
	}
	return out
}

// recvType is the name of a method's receiver type, pointer or not.
func recvType(e ast.Expr) string {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
