package engine

import (
	"errors"
	"math"
	"reflect"
	"sort"

	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
)

// funcDef describes a function of the language.
type funcDef struct {
	op      op
	minArgs int
	maxArgs int // -1 = variadic
	sig     any // pointer to a func type, for expr-lang's checker
}

var (
	sig1    = new(func(float64) float64)
	sig2    = new(func(float64, float64) float64)
	sig3    = new(func(float64, float64, float64) float64)
	sigVar  = new(func(float64, ...float64) float64)
	sigPred = new(func(float64) bool)
)

// funcs are the functions an expression may call.
var funcs = map[string]funcDef{
	"abs":       {opAbs, 1, 1, sig1},
	"floor":     {opFloor, 1, 1, sig1},
	"ceil":      {opCeil, 1, 1, sig1},
	"round":     {opRound, 1, 1, sig1},
	"log":       {opLog, 1, 1, sig1},
	"log10":     {opLog10, 1, 1, sig1},
	"sqrt":      {opSqrt, 1, 1, sig1},
	"exp":       {opExp, 1, 1, sig1},
	"pow":       {opPow, 2, 2, sig2},
	"ratio":     {opRatio, 2, 2, sig2},
	"clamp":     {opClamp, 3, 3, sig3},
	"min":       {opMin, 1, -1, sigVar},
	"max":       {opMax, 1, -1, sigVar},
	"coalesce":  {opCoalesce, 1, -1, sigVar},
	"has":       {opHas, 1, 1, sigPred},
	"n_present": {opNPresent, 1, -1, sigVar},
}

// modFunc is the name under which a % operator is handed to expr-lang's
// checker: expr's % accepts only integers, ours works on float64. No
// identifier can be spelled "%", so users cannot call it.
const modFunc = "%"

// funcNames lists the function names, sorted.
func funcNames() []string {
	names := make([]string, 0, len(funcs))
	for n := range funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// vmValue converts an argument of expr-lang's VM to float64; nil is missing.
func vmValue(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case bool:
		return b2f(x)
	}
	return math.NaN()
}

// vmFunc implements function name for expr-lang's VM with the semantics of
// this package, returning nil for missing. It exists so that tests and
// benchmarks can run the same expressions through expr's own VM.
func vmFunc(name string) func(args ...any) (any, error) {
	d := funcs[name]
	n := &node{op: d.op}
	if name == modFunc {
		n.op = opMod
	}
	return func(args ...any) (any, error) {
		xs := make([]float64, len(args))
		for i, a := range args {
			xs[i] = vmValue(a)
		}
		var r float64
		if n.op == opNPresent {
			for _, x := range xs {
				if x == x {
					r++
				}
			}
		} else if n.op == opCoalesce {
			r = math.NaN()
			for _, x := range xs {
				if x == x {
					r = x
					break
				}
			}
		} else {
			r, _ = applyN(n, xs)
		}
		if r != r {
			return nil, nil
		}
		if n.op == opHas {
			return r == 1, nil
		}
		return r, nil
	}
}

// declareFuncs adds the functions (and the % stand-in) to an expr-lang
// configuration, with their signatures for the checker and implementations
// for the VM.
func declareFuncs(c *conf.Config) {
	for name, d := range funcs {
		c.Functions[name] = &builtin.Function{
			Name:  name,
			Func:  vmFunc(name),
			Types: []reflect.Type{reflect.TypeOf(d.sig).Elem()},
		}
	}
	for name := range groupStats {
		c.Functions["group."+name] = &builtin.Function{
			Name: "group." + name,
			Func: func(args ...any) (any, error) {
				return nil, errors.New("engine: a group statistic has no per-row value")
			},
			Types: []reflect.Type{reflect.TypeOf(sig1).Elem()},
		}
	}
	c.Functions[modFunc] = &builtin.Function{
		Name:  modFunc,
		Func:  vmFunc(modFunc),
		Types: []reflect.Type{reflect.TypeOf(sig2).Elem()},
	}
}
