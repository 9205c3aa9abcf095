package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/siderolabs/talos/pkg/machinery/config"
)

// serveMode is whether the fake node is in maintenance mode, and the TLS config it answers with. A node
// started with --configure-on-apply leaves maintenance mode after its first valid apply, as a real node
// does once it has installed and rebooted: from then on it serves mutual TLS with a server certificate
// issued by the Talos API CA of the config it was given (machine.ca). A control plane's config holds the CA
// key; a worker's holds only the certificate and gets its server certificate from a control plane's trustd,
// which the fakes emulate with --trustd-dir: control planes write their CA there, workers read it.
type serveMode struct {
	mu          sync.RWMutex
	maintenance bool
	tls         *tls.Config
	hosts       []string
	trustdDir   string
	// workerCA is the applied worker config's CA certificate while no trustd has issued the server certificate yet.
	workerCA []byte
	// maintenanceTLS is the self-signed TLS a node in maintenance mode serves (again after a reset).
	maintenanceTLS *tls.Config
	// wasReset: the node went back to maintenance mode through Reset, so its next valid apply configures it.
	wasReset bool
	// beforeHandshake runs before each TLS handshake (a node whose reboot window has ended finishes booting).
	beforeHandshake func()
}

// resetToMaintenance is a wiped node booting again: maintenance mode with its self-signed certificate.
func (m *serveMode) resetToMaintenance() {
	m.mu.Lock()
	defer m.mu.Unlock()

	if m.maintenanceTLS == nil {
		cert, _, err := serveSelfSignedCertificate(m.hosts)
		if err != nil {
			panic(fmt.Sprintf("talos-oracle serve: maintenance certificate: %v", err))
		}

		m.maintenanceTLS = withH2(&tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, ClientAuth: tls.NoClientCert})
	}

	m.maintenance = true
	m.tls = m.maintenanceTLS
	m.workerCA = nil
	m.wasReset = true
}

func (m *serveMode) resetOnce() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()

	return m.wasReset
}

func (m *serveMode) inMaintenance() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()

	return m.maintenance
}

// tlsConfig is the server's TLS config: it picks the current mode's config for every new connection.
func (m *serveMode) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return m.current() },
	}
}

func (m *serveMode) current() (*tls.Config, error) {
	if m.beforeHandshake != nil {
		m.beforeHandshake()
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	if m.tls == nil && m.workerCA != nil {
		crt, key, err := readTrustdCA(m.trustdDir)
		if err != nil {
			return nil, fmt.Errorf("no server certificate yet (trustd): %w", err)
		}

		if !bytes.Equal(bytes.TrimSpace(crt), bytes.TrimSpace(m.workerCA)) {
			return nil, errors.New("trustd's CA is not the CA of the applied config")
		}

		if err = m.issue(crt, key); err != nil {
			return nil, err
		}
	}

	return m.tls, nil
}

// issue sets the configured-mode TLS from a CA certificate and key (PEM). Callers hold m.mu.
func (m *serveMode) issue(crt, key []byte) error {
	caCert, caKey, err := serveParseCA(crt, key)
	if err != nil {
		return fmt.Errorf("machine.ca of the applied config: %w", err)
	}

	configured, _, err := serveConfiguredTLS(caCert, caKey, m.hosts)
	if err != nil {
		return err
	}

	m.tls = withH2(configured)
	m.workerCA = nil

	return nil
}

// configure leaves maintenance mode with the Talos API CA of the applied config.
func (m *serveMode) configure(cfg config.Provider) error {
	ca := cfg.Machine().Security().IssuingCA()
	if ca == nil || len(ca.Crt) == 0 {
		return errors.New("the applied config has no machine.ca certificate")
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	if len(ca.Key) == 0 {
		if m.trustdDir == "" {
			return errors.New("the applied config has no machine.ca key (a worker): start the fake with --trustd-dir")
		}

		m.maintenance = false
		m.tls = nil
		m.workerCA = ca.Crt

		return nil
	}

	if err := m.issue(ca.Crt, ca.Key); err != nil {
		return err
	}

	m.maintenance = false

	if m.trustdDir != "" {
		return writeTrustdCA(m.trustdDir, ca.Crt, ca.Key)
	}

	return nil
}

func readTrustdCA(dir string) ([]byte, []byte, error) {
	crt, err := os.ReadFile(filepath.Join(dir, "os-ca.crt"))
	if err != nil {
		return nil, nil, err
	}

	key, err := os.ReadFile(filepath.Join(dir, "os-ca.key"))

	return crt, key, err
}

// writeTrustdCA writes the CA for workers, each file 0600 and renamed into place (the key first, so a reader
// that finds the certificate finds the key).
func writeTrustdCA(dir string, crt, key []byte) error {
	for _, file := range []struct {
		name string
		data []byte
	}{{"os-ca.key", key}, {"os-ca.crt", crt}} {
		tmp, err := os.CreateTemp(dir, ".trustd-*")
		if err != nil {
			return err
		}

		if _, err = tmp.Write(file.data); err != nil {
			tmp.Close() //nolint:errcheck

			return err
		}

		if err = tmp.Close(); err != nil {
			return err
		}

		if err = os.Rename(tmp.Name(), filepath.Join(dir, file.name)); err != nil {
			return err
		}
	}

	return nil
}

// withH2 offers gRPC's ALPN protocol: a config returned by GetConfigForClient does not inherit it.
func withH2(cfg *tls.Config) *tls.Config {
	clone := cfg.Clone()
	clone.NextProtos = []string{"h2"}

	return clone
}
