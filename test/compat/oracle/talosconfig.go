package main

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/client"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
)

func init() {
	register("talosconfig", "talosconfig FILE -- load a talosconfig with Talos's client loader and build its TLS credentials", runTalosconfig)
}

// runTalosconfig loads the file with Talos's client config loader and builds the current context's TLS
// credentials the way Talos's client does (CA pool + client key pair), then checks the client
// certificate chains to that CA for client authentication.
func runTalosconfig(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: talosconfig FILE")
	}

	// Open creates a missing file, so refuse that first.
	if _, err := os.Stat(args[0]); err != nil {
		return err
	}

	cfg, err := clientconfig.Open(args[0])
	if err != nil {
		return fmt.Errorf("load %s: %w", args[0], err)
	}

	if cfg.Context == "" {
		return fmt.Errorf("%s: no current context (\"context\" is empty)", args[0])
	}

	ctx, ok := cfg.Contexts[cfg.Context]
	if !ok {
		return fmt.Errorf("%s: current context %q is not in \"contexts\"", args[0], cfg.Context)
	}

	roots, err := caPool(ctx.CA)
	if err != nil {
		return fmt.Errorf("%s: context %q ca: %w", args[0], cfg.Context, err)
	}

	keyPair, err := client.CertificateFromConfigContext(ctx)
	if err != nil {
		return fmt.Errorf("%s: context %q: %w", args[0], cfg.Context, err)
	}

	if keyPair == nil {
		return fmt.Errorf("%s: context %q has no client certificate (crt/key)", args[0], cfg.Context)
	}

	leaf, err := x509.ParseCertificate(keyPair.Certificate[0])
	if err != nil {
		return fmt.Errorf("%s: context %q crt: %w", args[0], cfg.Context, err)
	}

	if _, err = leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return fmt.Errorf("%s: context %q: client certificate does not verify against the context CA: %w", args[0], cfg.Context, err)
	}

	fmt.Printf("context: %s\n", cfg.Context)
	fmt.Printf("endpoints: %s\n", strings.Join(ctx.Endpoints, ","))
	fmt.Printf("nodes: %s\n", strings.Join(ctx.Nodes, ","))
	fmt.Printf("subject: %s\n", leaf.Subject)
	fmt.Printf("key: %T\n", keyPair.PrivateKey)
	fmt.Printf("notAfter: %s\n", leaf.NotAfter.UTC().Format("2006-01-02T15:04:05Z"))

	return nil
}

// caPool is the RootCAs pool Talos's client builds from a context's base64 PEM CA.
func caPool(caBase64 string) (*x509.CertPool, error) {
	if caBase64 == "" {
		return nil, errors.New("empty: Talos would fall back to the system roots, which cannot verify a cluster CA")
	}

	pem, err := base64.StdEncoding.DecodeString(caBase64)
	if err != nil {
		return nil, fmt.Errorf("decode base64: %w", err)
	}

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no PEM certificate in it")
	}

	return pool, nil
}
