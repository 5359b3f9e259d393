package domain

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"runtime"
	"strings"
	"sync"
	"time"
)

// NormalizeCPR checks a CPR number (DDMMYY-SSSS, with or without the dash) and returns its
// ten digits. It checks the form and the date, not the modulus-11 rule, which CPR numbers
// issued since 2007 need not satisfy.
func NormalizeCPR(s string) (string, error) {
	d := strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	if len(d) != 10 {
		return "", FieldError("cpr", "a CPR number has 10 digits (DDMMÅÅ-XXXX)")
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return "", FieldError("cpr", "a CPR number has only digits and an optional dash")
		}
	}
	if _, err := time.Parse("020106", d[:6]); err != nil {
		return "", FieldError("cpr", "the first six digits of a CPR number are a date (DDMMÅÅ)")
	}
	return d, nil
}

// CPRHash returns the keyed hash under which a CPR number is recognised. The number itself is
// never stored, logged or sent to Temporal.
func CPRHash(pepper, normalizedCPR string) []byte {
	m := hmac.New(sha256.New, []byte(pepper))
	m.Write([]byte(normalizedCPR))
	return m.Sum(nil)
}

// CPRDays are the days a CPR number's first six digits (DDMMYY) can name as NormalizeCPR reads
// them: the two-digit year as time.Parse takes it, 1969 to 2068. With ten thousand serial
// numbers a day, that is 365 million CPR numbers.
var CPRDays = DayRange{From: time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2068, 12, 31, 0, 0, 0, 0, time.UTC)}

// DayRange is the days from From to To, both included.
type DayRange struct{ From, To time.Time }

// CPRTarget is a CPR hash to reverse, with the day the person was born if it is known (the
// CPR number's date, most likely: tried first).
type CPRTarget struct {
	Hash []byte
	Born *time.Time
}

// CPRFound is what ReverseCPRHashes found for a target: the CPR number (ten digits) and the
// index of the pepper it was hashed under; an empty CPR: not found.
type CPRFound struct {
	CPR    string
	Pepper int
}

// ReverseCPRHashes finds the CPR number behind each target's hash under one of the peppers,
// by hashing candidates: first the numbers of each target's birth day, then, for the targets
// left, every number of the days in days (for CPRDays, some minutes on two cores). That this
// takes minutes, not centuries, is why the pepper is the secret that CPR hashes depend on:
// whoever has it and the hashes has the numbers. tvp citizens rehash uses it to move the
// stored hashes to a new pepper, as the numbers themselves are not kept.
func ReverseCPRHashes(ctx context.Context, peppers []string, targets []CPRTarget, days DayRange) ([]CPRFound, error) {
	found := make([]CPRFound, len(targets))
	want := map[[sha256.Size]byte][]int{}
	var hinted []string
	seen := map[string]bool{}
	for i, t := range targets {
		if len(t.Hash) != sha256.Size {
			continue
		}
		want[[sha256.Size]byte(t.Hash)] = append(want[[sha256.Size]byte(t.Hash)], i)
		if t.Born != nil {
			if d := t.Born.Format("020106"); !seen[d] {
				seen[d] = true
				hinted = append(hinted, d)
			}
		}
	}
	search := func(dates []string) error {
		if len(want) == 0 || len(dates) == 0 {
			return nil
		}
		var mu sync.Mutex
		work := make(chan string)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				macs := make([]hash.Hash, len(peppers))
				for p, pepper := range peppers {
					macs[p] = hmac.New(sha256.New, []byte(pepper))
				}
				var num [10]byte
				var sum [sha256.Size]byte
				for date := range work {
					copy(num[:6], date)
					for serial := range 10000 {
						num[6], num[7], num[8], num[9] = byte('0'+serial/1000), byte('0'+serial/100%10), byte('0'+serial/10%10), byte('0'+serial%10)
						for p, m := range macs {
							m.Reset()
							m.Write(num[:])
							m.Sum(sum[:0])
							if idx, ok := want[sum]; ok {
								mu.Lock()
								for _, i := range idx {
									found[i] = CPRFound{CPR: string(num[:]), Pepper: p}
								}
								mu.Unlock()
							}
						}
					}
				}
			}()
		}
		var err error
	feed:
		for _, d := range dates {
			select {
			case work <- d:
			case <-ctx.Done():
				err = ctx.Err()
				break feed
			}
		}
		close(work)
		wg.Wait()
		for h, idx := range want {
			if found[idx[0]].CPR != "" {
				delete(want, h)
			}
		}
		return err
	}
	if err := search(hinted); err != nil {
		return found, err
	}
	var all []string
	for d := days.From; !d.After(days.To); d = d.AddDate(0, 0, 1) {
		if s := d.Format("020106"); !seen[s] {
			all = append(all, s)
		}
	}
	return found, search(all)
}
