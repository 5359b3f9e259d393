package apptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// AxeVersion is the axe-core that scripts/test.sh installs from npm into .tools/ (git-ignored).
// The two must agree.
const AxeVersion = "4.10.3"

// EnvAxeJS, if set, is the path of axe.min.js (instead of the one scripts/test.sh installs).
const EnvAxeJS = "TVP_AXE_JS"

// AxeTags are the rules a page is checked against: WCAG 2.0 and 2.1, levels A and AA, which
// the Danish web accessibility act (lov om tilgængelighed af offentlige organers websteder og
// mobilapplikationer) requires through EN 301 549.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// AxeViolation is a rule that a page breaks, and where.
type AxeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Tags    []string  `json:"tags"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is an element that breaks a rule: its CSS selector (one per frame or shadow root),
// its markup and what axe says is wrong with it.
type AxeNode struct {
	Target         []string `json:"target"`
	HTML           string   `json:"html"`
	FailureSummary string   `json:"failureSummary"`
}

func (v AxeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s [%s]", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    at %s: %s", strings.Join(n.Target, " > "), n.HTML)
		if n.FailureSummary != "" {
			fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.FailureSummary, "\n", "\n      "))
		}
	}
	return b.String()
}

var axeSource struct {
	once sync.Once
	js   string
	err  error
}

// AxePath is where axe.min.js is: $TVP_AXE_JS, else where scripts/test.sh installs it below the
// repository's root.
func AxePath() (string, error) {
	if p := os.Getenv(EnvAxeJS); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, ".tools", "axe-core-"+AxeVersion, "node_modules", "axe-core", "axe.min.js"), nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory: cannot find the repository's root")
		}
		dir = up
	}
}

func loadAxe() (string, error) {
	axeSource.once.Do(func() {
		path, err := AxePath()
		if err != nil {
			axeSource.err = err
			return
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			axeSource.err = fmt.Errorf("axe-core %s is not installed (%w); scripts/test.sh (make test) installs it: "+
				"npm install --prefix .tools/axe-core-%s axe-core@%s", AxeVersion, err, AxeVersion, AxeVersion)
			return
		}
		axeSource.js = string(raw)
	})
	return axeSource.js, axeSource.err
}

// AxeViolations runs axe-core in the browser's current page (injected through the DevTools
// protocol, so the pages' Content-Security-Policy need not allow it) against AxeTags and
// returns the rules the page breaks.
func AxeViolations(ctx context.Context) ([]AxeViolation, error) {
	js, err := loadAxe()
	if err != nil {
		return nil, err
	}
	var loaded bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`typeof window.axe === "object"`, &loaded)); err != nil {
		return nil, fmt.Errorf("look for axe in the page: %w", err)
	}
	if !loaded {
		if err := chromedp.Run(ctx, chromedp.Evaluate(js+"\n;true", &loaded)); err != nil {
			return nil, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	tags, _ := json.Marshal(AxeTags)
	script := `axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl, tags: v.tags,
			nodes: v.nodes.map(n => ({target: n.target.map(t => Array.isArray(t) ? t.join(" ") : String(t)),
				html: n.html, failureSummary: n.failureSummary || ""}))})))`
	var out []AxeViolation
	if err := chromedp.Run(ctx, chromedp.Evaluate(script, &out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})); err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	return out, nil
}

// CheckAccessible fails the test for every WCAG 2.1 A/AA rule (AxeTags) that the browser's
// current page breaks, saying which rule, where and why. A missing axe-core fails the test:
// a scan that cannot run must not pass.
func CheckAccessible(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	vs, err := AxeViolations(sctx)
	if err != nil {
		t.Fatalf("%s: the accessibility scan could not run: %v", page, err)
	}
	for _, v := range vs {
		t.Errorf("%s breaks %s", page, v)
	}
}
