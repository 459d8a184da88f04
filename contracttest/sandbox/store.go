package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// store keeps the sandbox's state in a bbolt file: one bucket per siteId, one key per
// payment holding the payment with its captures and refunds. bbolt commits each update with
// an fsync before it returns, so every answer the sandbox sent survives a crash.
type store struct {
	db *bbolt.DB
}

type operationRecord struct {
	ID      string   `json:"id"`
	Digest  string   `json:"digest"`
	Status  string   `json:"status"`
	Created string   `json:"created"`
	Amount  int64    `json:"amount"`
	Flags   []string `json:"flags,omitempty"`
}

type paymentRecord struct {
	ID       string                     `json:"id"`
	Digest   string                     `json:"digest"`
	Amount   int64                      `json:"amount"`
	Sale     bool                       `json:"sale"`
	Status   string                     `json:"status"`
	Reason   string                     `json:"reason,omitempty"`
	Created  string                     `json:"created"`
	Method   map[string]any             `json:"method"`
	Captured int64                      `json:"captured"`
	Refunded int64                      `json:"refunded"`
	Captures map[string]operationRecord `json:"captures"`
	Refunds  map[string]operationRecord `json:"refunds"`
	Callback string                     `json:"callback,omitempty"`
	BillID   string                     `json:"billId,omitempty"`
}

type qrCodeRecord struct {
	UID, Digest, Created, Kind, Status, Purpose, Redirect string
	Amount                                                int64
	TTL                                                   int
}

type invoiceRecord struct {
	ID, UID, Digest, Comment, Created, Expiration, Status string
	Amount                                                int64
}

// The keys of a site's bucket: a kind, a zero byte, the ID.
const (
	paymentKey = "payment\x00"
	invoiceKey = "invoice\x00"
	qrCodeKey  = "qrcode\x00"
	checkKey   = "cardcheck\x00"
)

type cardCheckRecord struct{ UID, Digest, Created, Status string }

func openStore(path string) (*store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("sandbox: state %s: %w", path, err)
	}
	return &store{db: db}, nil
}

func toOps(ops map[string]*operation) map[string]operationRecord {
	out := make(map[string]operationRecord, len(ops))
	for k, o := range ops {
		out[k] = operationRecord{ID: o.id, Digest: o.digest, Status: o.status, Created: o.created, Amount: o.amount, Flags: o.flags}
	}
	return out
}

func fromOps(recs map[string]operationRecord) map[string]*operation {
	out := make(map[string]*operation, len(recs))
	for k, r := range recs {
		out[k] = &operation{id: r.ID, digest: r.Digest, status: r.Status, created: r.Created, amount: r.Amount, flags: r.Flags}
	}
	return out
}

// saveCall writes, in one durable transaction, the payment and the invoice a call touched:
// the ones its path names, and the invoice its payment pays.
func (st *store) saveCall(siteID string, s *site, params map[string]string) error {
	puts := map[string][]byte{}
	if p := s.payments[params["paymentId"]]; p != nil {
		data, err := json.Marshal(paymentRecord{ID: p.id, Digest: p.digest, Amount: p.amount, Sale: p.sale, Status: p.status, Reason: p.reason,
			Created: p.created, Method: p.method, Captured: p.captured, Refunded: p.refunded, Captures: toOps(p.captures), Refunds: toOps(p.refunds),
			Callback: p.callback, BillID: p.billID})
		if err != nil {
			return err
		}
		puts[paymentKey+p.id] = data
		if params["billId"] == "" {
			params = map[string]string{"billId": p.billID}
		}
	}
	if inv := s.invoices[params["billId"]]; inv != nil {
		data, err := json.Marshal(invoiceRecord{ID: inv.id, UID: inv.uid, Digest: inv.digest, Comment: inv.comment, Created: inv.created,
			Expiration: inv.expiration, Status: inv.status, Amount: inv.amount})
		if err != nil {
			return err
		}
		puts[invoiceKey+inv.id] = data
	}
	if q := s.qrCodes[params["qrCodeUid"]]; q != nil {
		data, err := json.Marshal(qrCodeRecord{UID: q.uid, Digest: q.digest, Created: q.created, Kind: q.kind, Status: q.status,
			Purpose: q.purpose, Redirect: q.redirect, Amount: q.amount, TTL: q.ttl})
		if err != nil {
			return err
		}
		puts[qrCodeKey+q.uid] = data
	}
	if k := s.cardChecks[params["requestUid"]]; k != nil {
		data, err := json.Marshal(cardCheckRecord{UID: k.uid, Digest: k.digest, Created: k.created, Status: k.status})
		if err != nil {
			return err
		}
		puts[checkKey+k.uid] = data
	}
	if len(puts) == 0 {
		return nil
	}
	return st.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(siteID))
		if err != nil {
			return err
		}
		for k, v := range puts {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// load reads every site's payments.
func (st *store) load() (map[string]*site, error) {
	sites := map[string]*site{}
	err := st.db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			s := newSite()
			sites[string(name)] = s
			return b.ForEach(func(k, v []byte) error {
				if bytes.HasPrefix(k, []byte(checkKey)) {
					var r cardCheckRecord
					if err := json.Unmarshal(v, &r); err != nil {
						return fmt.Errorf("site %s, %q: %w", name, k, err)
					}
					s.cardChecks[r.UID] = &cardCheck{uid: r.UID, digest: r.Digest, created: r.Created, status: r.Status}
					return nil
				}
				if bytes.HasPrefix(k, []byte(qrCodeKey)) {
					var r qrCodeRecord
					if err := json.Unmarshal(v, &r); err != nil {
						return fmt.Errorf("site %s, %q: %w", name, k, err)
					}
					s.qrCodes[r.UID] = &qrCode{uid: r.UID, digest: r.Digest, created: r.Created, kind: r.Kind, status: r.Status,
						purpose: r.Purpose, redirect: r.Redirect, amount: r.Amount, ttl: r.TTL}
					return nil
				}
				if bytes.HasPrefix(k, []byte(invoiceKey)) {
					var r invoiceRecord
					if err := json.Unmarshal(v, &r); err != nil {
						return fmt.Errorf("site %s, %q: %w", name, k, err)
					}
					s.invoices[r.ID] = &invoice{id: r.ID, uid: r.UID, digest: r.Digest, comment: r.Comment, created: r.Created, expiration: r.Expiration, status: r.Status, amount: r.Amount}
					return nil
				}
				var r paymentRecord
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("site %s, %q: %w", name, k, err)
				}
				s.payments[r.ID] = &payment{id: r.ID, digest: r.Digest, amount: r.Amount, sale: r.Sale, status: r.Status, reason: r.Reason,
					created: r.Created, method: r.Method, captured: r.Captured, refunded: r.Refunded, captures: fromOps(r.Captures), refunds: fromOps(r.Refunds),
					callback: r.Callback, billID: r.BillID}
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("sandbox: state: %w", err)
	}
	return sites, nil
}

func (st *store) close() error { return st.db.Close() }
