package main

import (
	"crypto/tls"
	"fmt"
	"sync"

	"github.com/siderolabs/talos/pkg/machinery/config"
)

// serveMode is whether the fake node is in maintenance mode, and the TLS config it answers with. A node
// started with --configure-on-apply leaves maintenance mode after its first valid apply, as a real node
// does once it has installed and rebooted: from then on it serves mutual TLS with a server certificate
// issued by the Talos API CA of the config it was given (machine.ca).
type serveMode struct {
	mu          sync.RWMutex
	maintenance bool
	tls         *tls.Config
	hosts       []string
}

func (m *serveMode) inMaintenance() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()

	return m.maintenance
}

// tlsConfig is the server's TLS config: it picks the current mode's config for every new connection.
func (m *serveMode) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			m.mu.RLock()
			defer m.mu.RUnlock()

			return m.tls, nil
		},
	}
}

// configure leaves maintenance mode with the Talos API CA of the applied config.
func (m *serveMode) configure(cfg config.Provider) error {
	ca := cfg.Machine().Security().IssuingCA()
	if ca == nil || len(ca.Crt) == 0 || len(ca.Key) == 0 {
		return fmt.Errorf("the applied config has no machine.ca certificate and key")
	}

	caCert, caKey, err := serveParseCA(ca.Crt, ca.Key)
	if err != nil {
		return fmt.Errorf("machine.ca of the applied config: %w", err)
	}

	configured, _, err := serveConfiguredTLS(caCert, caKey, m.hosts)
	if err != nil {
		return err
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	m.maintenance = false
	m.tls = withH2(configured)

	return nil
}

// withH2 offers gRPC's ALPN protocol: a config returned by GetConfigForClient does not inherit it.
func withH2(cfg *tls.Config) *tls.Config {
	clone := cfg.Clone()
	clone.NextProtos = []string{"h2"}

	return clone
}
