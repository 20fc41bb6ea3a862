package server

import (
	"sync"
	"time"
)

// throttle limits failed logins with token buckets: one per client address
// (AddrBurst failures, refilled over Window) and one per (account,
// address) pair (PairBurst failures over Window). A login is refused while
// either bucket is empty. There is deliberately no bucket per account
// alone: guessing from many addresses must not lock the real user out,
// whose own address has its own buckets. Safe for concurrent use.
type throttle struct {
	AddrBurst, PairBurst int
	Window               time.Duration
	now                  func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
}

// bucket holds tokens (failures still allowed) as of at.
type bucket struct {
	tokens float64
	at     time.Time
}

func newThrottle() *throttle {
	return &throttle{AddrBurst: 30, PairBurst: 5, Window: 15 * time.Minute, now: time.Now, buckets: map[string]*bucket{}}
}

// level returns the bucket for key, refilled up to now.
func (t *throttle) level(key string, burst int, now time.Time) *bucket {
	b, ok := t.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(burst), at: now}
		t.buckets[key] = b
		return b
	}
	rate := float64(burst) / t.Window.Seconds()
	b.tokens = min(float64(burst), b.tokens+rate*now.Sub(b.at).Seconds())
	b.at = now
	return b
}

// Take reserves one attempt of account from addr: it reports whether the
// attempt may be made now and, when not, how long until it may. Every
// attempt costs a token from both buckets until Succeed gives them back,
// so that concurrent guesses cannot overtake the count.
func (t *throttle) Take(account, addr string) (ok bool, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.sweep(now)
	keys := []struct {
		key   string
		burst int
	}{{"a\x00" + addr, t.AddrBurst}, {"p\x00" + account + "\x00" + addr, t.PairBurst}}
	for _, k := range keys {
		b := t.level(k.key, k.burst, now)
		if b.tokens < 1 {
			rate := float64(k.burst) / t.Window.Seconds()
			wait = max(wait, time.Duration((1-b.tokens)/rate*float64(time.Second)))
		}
	}
	if wait > 0 {
		return false, wait
	}
	for _, k := range keys {
		t.buckets[k.key].tokens--
	}
	return true, 0
}

// Succeed gives back the attempt of a successful login: the address's
// token, and the (account, address) bucket is forgotten.
func (t *throttle) Succeed(account, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b, ok := t.buckets["a\x00"+addr]; ok {
		b.tokens = min(float64(t.AddrBurst), b.tokens+1)
	}
	delete(t.buckets, "p\x00"+account+"\x00"+addr)
}

// sweep drops full buckets every 1024 calls, so that memory follows the
// clients that failed recently.
func (t *throttle) sweep(now time.Time) {
	t.calls++
	if t.calls%1024 != 0 {
		return
	}
	for k, b := range t.buckets {
		if now.Sub(b.at) >= t.Window {
			delete(t.buckets, k)
		}
	}
}
