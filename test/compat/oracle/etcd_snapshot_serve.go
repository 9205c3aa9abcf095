package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/siderolabs/talos/pkg/machinery/api/common"
	"github.com/siderolabs/talos/pkg/machinery/api/machine"
)

const (
	snapshotChunkBytes     = 4096
	generatedSnapshotBytes = 256 * 1024
)

// generatedSnapshot is the deterministic "etcd db" served without --etcd-snapshot: pseudo-random content
// followed by its SHA-256, the integrity hash `etcdctl snapshot save` appends and a restore checks.
func generatedSnapshot() []byte {
	content := make([]byte, 0, generatedSnapshotBytes)

	block := sha256.Sum256([]byte("talos-oracle fake etcd snapshot"))
	for len(content) < generatedSnapshotBytes {
		content = append(content, block[:]...)
		block = sha256.Sum256(block[:])
	}

	sum := sha256.Sum256(content)

	return append(content, sum[:]...)
}

// loadSnapshot is the snapshot EtcdSnapshot serves: the --etcd-snapshot file's bytes, or the generated db.
func loadSnapshot(path string) ([]byte, error) {
	if path == "" {
		return generatedSnapshot(), nil
	}

	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--etcd-snapshot: %w", err)
	}

	return data, nil
}

// EtcdSnapshot streams the snapshot in chunks; the node's etcd must be running (a member).
func (s *serveMachine) EtcdSnapshot(_ *machine.EtcdSnapshotRequest, stream grpc.ServerStreamingServer[common.Data]) error {
	if err := s.configuredControlPlane("etcd snapshot"); err != nil {
		return err
	}

	if err := s.requireMember(); err != nil {
		return fmt.Errorf("failed reading etcd snapshot: %w", err)
	}

	for data := s.snapshot; len(data) > 0; {
		n := min(snapshotChunkBytes, len(data))
		if err := stream.Send(&common.Data{Bytes: data[:n]}); err != nil {
			return err
		}

		data = data[n:]
	}

	return nil
}

func (s *serveMachine) requireMember() error {
	return s.node.cluster.update(func(c *clusterState) error {
		if !c.Static && c.member(s.node.hostname) == nil {
			return errEtcdNotRunning
		}

		return nil
	})
}

// EtcdRecover stores the uploaded snapshot for a later Bootstrap with recover_etcd (Talos writes it to
// /var/lib/etcd.snapshot); a failed upload keeps nothing.
func (s *serveMachine) EtcdRecover(stream grpc.ClientStreamingServer[common.Data, machine.EtcdRecoverResponse]) error {
	if s.mode.inMaintenance() {
		return status.Error(codes.FailedPrecondition, "etcd service is not ready for recovery yet")
	}

	if err := s.node.checkControlPlane("etcd recover"); err != nil {
		return err
	}

	var upload bytes.Buffer

	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}

		if err != nil {
			return err
		}

		upload.Write(msg.GetBytes())
	}

	s.node.mu.Lock()
	s.node.recoverySnapshot = upload.Bytes()
	s.node.mu.Unlock()

	return stream.SendAndClose(&machine.EtcdRecoverResponse{Messages: []*machine.EtcdRecover{{}}})
}

// restoreSnapshot checks the uploaded snapshot as etcd's restore does and consumes it, returning its SHA-256.
func (s *serveMachine) restoreSnapshot(skipHashCheck bool) ([32]byte, error) {
	s.node.mu.Lock()
	snapshot := s.node.recoverySnapshot
	s.node.mu.Unlock()

	if snapshot == nil {
		return [32]byte{}, errors.New("error starting etcd in bootstrap mode: error verifying snapshot: " +
			"stat /var/lib/etcd.snapshot: no such file or directory (upload a snapshot with EtcdRecover first)")
	}

	if !skipHashCheck {
		if err := checkIntegrityHash(snapshot); err != nil {
			return [32]byte{}, fmt.Errorf("error starting etcd in bootstrap mode: error recovering from the snapshot: %w", err)
		}
	}

	s.node.mu.Lock()
	s.node.recoverySnapshot = nil
	s.node.mu.Unlock()

	return sha256.Sum256(snapshot), nil
}

// checkIntegrityHash is etcd's restore check: a snapshot from the Snapshot RPC (size % 512 == 32) ends with the
// SHA-256 of what precedes it; a file without it (a copied data directory) needs recover_skip_hash_check.
func checkIntegrityHash(snapshot []byte) error {
	if len(snapshot)%512 != sha256.Size {
		return errors.New("snapshot missing hash but --skip-hash-check=false")
	}

	content := snapshot[:len(snapshot)-sha256.Size]
	sum := sha256.Sum256(content)

	if !bytes.Equal(sum[:], snapshot[len(content):]) {
		return fmt.Errorf("expected sha256 %v, got %v", snapshot[len(content):], sum[:])
	}

	return nil
}
