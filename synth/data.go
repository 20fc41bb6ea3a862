package synth

import (
	"bufio"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
)

// ChunkSize is the number of subjects whose metric rows are generated from
// one random stream (PCG seeded with Seed and the chunk number).
const ChunkSize = 4096

// regions is the number of distinct `region` values.
const regions = 8

// Stream ids of the random generators: one per purpose, so that changing
// one file's generation never shifts another's numbers.
const (
	subjectStream = 0x5ab
	chunkStream   = 0xda7a << 32 // + chunk number
)

// idWidth is the number of digits of subject ids, so that they sort in
// creation order.
func idWidth(n int) int { return len(strconv.Itoa(n)) }

// writeSubjects writes subjects.csv: id,name,kind,parent,region.
func writeSubjects(w *bufio.Writer, cfg Config) error {
	rng := rand.New(rand.NewPCG(cfg.Seed, subjectStream))
	width := idWidth(cfg.Subjects)
	w.WriteString("id,name,kind,parent,region\n")
	buf := make([]byte, 0, 128)
	for i := range cfg.Subjects {
		buf = appendID(buf[:0], i, width)
		buf = append(buf, ",Subject "...)
		buf = strconv.AppendInt(buf, int64(i+1), 10)
		buf = append(buf, ',')
		buf = append(buf, Kinds[rng.IntN(len(Kinds))]...)
		buf = append(buf, ',')
		if i > 0 {
			buf = appendID(buf, (i-1)/8, width)
		}
		buf = append(buf, ",r"...)
		buf = strconv.AppendInt(buf, int64(1+rng.IntN(regions)), 10)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// appendID appends the id of subject i ("s" and width digits).
func appendID(b []byte, i, width int) []byte {
	var tmp [20]byte
	n := strconv.AppendInt(tmp[:0], int64(i+1), 10)
	b = append(b, 's')
	for range width - len(n) {
		b = append(b, '0')
	}
	return append(b, n...)
}

// writeMetrics writes metrics.csv in the wide layout: subject, period, the
// indicator metrics, then the adjustment metrics. Chunks of ChunkSize rows
// are generated in parallel (at most GOMAXPROCS at a time) and written in
// order, so the bytes do not depend on the number of CPUs.
func (d *design) writeMetrics(w *bufio.Writer, cfg Config) error {
	w.WriteString("subject,period")
	for j := range d.metrics {
		w.WriteString(",")
		w.WriteString(metricName(j))
	}
	for _, m := range adjustmentMetrics {
		w.WriteString(",")
		w.WriteString(m)
	}
	w.WriteString("\n")

	chunks := (cfg.Subjects + ChunkSize - 1) / ChunkSize
	par := max(1, runtime.GOMAXPROCS(0))
	bufs := make([][]byte, par)
	width := idWidth(cfg.Subjects)
	for first := 0; first < chunks; first += par {
		n := min(par, chunks-first)
		var wg sync.WaitGroup
		for k := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				bufs[k] = d.appendChunk(bufs[k][:0], cfg, first+k, width)
			}()
		}
		wg.Wait()
		for k := range n {
			if _, err := w.Write(bufs[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendChunk appends the metric rows of chunk c.
//
// Each subject has a quality q ~ U(0, 1); metric value u = 0.6q + 0.4e with
// e ~ U(0, 1), mapped to 50 + 950u (count, integer), 0.05 + 0.94u (rate,
// three decimals) or 30 + 70u (score, one decimal). A cell is empty with
// probability MissingShare. Adjustment metrics: awards 1 with probability
// 0.05, complaints 1 or 2 with probability 0.03, accidents 1 with
// probability 0.01, else 0.
func (d *design) appendChunk(b []byte, cfg Config, c, width int) []byte {
	rng := rand.New(rand.NewPCG(cfg.Seed, chunkStream+uint64(c)))
	lo, hi := c*ChunkSize, min(cfg.Subjects, (c+1)*ChunkSize)
	for i := lo; i < hi; i++ {
		b = appendID(b, i, width)
		b = append(b, ',')
		b = append(b, cfg.Period...)
		q := rng.Float64()
		for _, k := range d.metrics {
			b = append(b, ',')
			miss := rng.Float64() < MissingShare
			u := 0.6*q + 0.4*rng.Float64()
			if miss {
				continue
			}
			switch k {
			case count:
				b = strconv.AppendInt(b, 50+int64(950*u), 10)
			case rate:
				b = strconv.AppendFloat(b, 0.05+0.94*u, 'f', 3, 64)
			case score:
				b = strconv.AppendFloat(b, 30+70*u, 'f', 1, 64)
			}
		}
		awards, complaints, accidents := 0, 0, 0
		if rng.Float64() < 0.05 {
			awards = 1
		}
		if rng.Float64() < 0.03 {
			complaints = 1 + rng.IntN(2)
		}
		if rng.Float64() < 0.01 {
			accidents = 1
		}
		b = append(b, ',', byte('0'+awards), ',', byte('0'+complaints), ',', byte('0'+accidents), '\n')
	}
	return b
}
