package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// serveCall is one recorded call: one JSON line in the --record file.
type serveCall struct {
	Method   string              `json:"method"`
	Mode     string              `json:"mode"`
	Roles    []string            `json:"roles"`
	Metadata map[string][]string `json:"metadata"`
	Request  json.RawMessage     `json:"request"`
	Code     string              `json:"code"`
	Message  string              `json:"message"`
}

type serveRecorder struct {
	mu   sync.Mutex
	file *os.File
}

func newServeRecorder(path string) (*serveRecorder, error) {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}

	return &serveRecorder{file: file}, nil
}

// serveRequestJSON is the decoded request with proto field names and every field present, so a
// test can compare it field by field (bytes are base64, enums their names).
func serveRequestJSON(req any) json.RawMessage {
	msg, ok := req.(proto.Message)
	if !ok || msg == nil {
		return json.RawMessage("null")
	}

	data, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}.Marshal(msg)
	if err != nil {
		return json.RawMessage(fmt.Sprintf("%q", "unencodable request: "+err.Error()))
	}

	return data
}

func (r *serveRecorder) write(call serveCall) {
	line, err := json.Marshal(call)
	if err != nil {
		fmt.Fprintf(os.Stderr, "talos-oracle serve: record: %v\n", err)

		return
	}

	r.mu.Lock()
	defer r.mu.Unlock()

	if _, err = r.file.Write(append(line, '\n')); err != nil {
		fmt.Fprintf(os.Stderr, "talos-oracle serve: record: %v\n", err)
	}
}

func (r *serveRecorder) close() error {
	return r.file.Close()
}
