package dispatch

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// Envelope is the five-key answer of every API outcome.
type Envelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data any    `json:"data"`
	URL  string `json:"url"`
	Wait int    `json:"wait"`
}

// Message lets a handler choose the success message ("获取成功", ...); the
// default is "success".
type Message struct {
	Msg  string
	Data any
}

type emptyObject struct{}

func success(data any) Envelope {
	m := "success"
	if wm, ok := data.(Message); ok {
		m, data = wm.Msg, wm.Data
	}
	if data == nil {
		data = emptyObject{}
	}
	return Envelope{Code: 1, Msg: m, Data: data, Wait: 3}
}

func failure(e *Error) Envelope {
	return Envelope{Code: 0, Msg: e.Msg, Data: emptyObject{}, Wait: 3}
}

// Encode writes v as UTF-8 JSON with Chinese and <>& unescaped.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func writeEnvelope(w http.ResponseWriter, status int, env Envelope) {
	body, err := Encode(env)
	if err != nil { // data that cannot be encoded is a bug: hide it
		status, body = http.StatusOK, mustEncode(failure(ErrBusy))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func mustEncode(v any) []byte {
	b, err := Encode(v)
	if err != nil {
		panic(err)
	}
	return b
}

// WriteError writes e as the envelope (code 0) with e.Status, for answers
// made outside Handler (the router's 404 and 405, a panic's 500).
func WriteError(w http.ResponseWriter, e *Error) {
	writeEnvelope(w, e.Status, failure(e))
}
