package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"slices"
	"time"
)

// serveTLSConfig builds the server side of apid's TLS. Configured mode: a server certificate signed by
// the Talos API CA (Ed25519 like Talos's apid certificate, 24 h), client certificates required and
// verified against that CA, and apid's apidCheckExtKeyUsage rule. Maintenance mode: a self-signed
// certificate and no client certificate requested.
func serveTLSConfig(opts *serveOptions) (*tls.Config, *x509.Certificate, error) {
	hosts := serveListenHosts(opts.listen)
	if opts.maintenance {
		cert, leaf, err := serveSelfSignedCertificate(hosts)
		if err != nil {
			return nil, nil, err
		}

		return &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.NoClientCert,
		}, leaf, nil
	}

	caCert, caKey, err := serveLoadCA(opts.caCrt, opts.caKey)
	if err != nil {
		return nil, nil, err
	}

	return serveConfiguredTLS(caCert, caKey, hosts)
}

// serveListenHosts is the listen address's IP (besides the loopback names every certificate carries), so a
// fake node on 127.0.10.11 presents a certificate for 127.0.10.11.
func serveListenHosts(listen string) []string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || net.ParseIP(host) == nil {
		return nil
	}

	return []string{host}
}

// serveConfiguredTLS is a configured node's TLS: an apid certificate from the CA, client certificates required.
func serveConfiguredTLS(caCert *x509.Certificate, caKey crypto.Signer, hosts []string) (*tls.Config, *x509.Certificate, error) {
	cert, leaf, err := serveIssueServerCertificate(caCert, caKey, hosts)
	if err != nil {
		return nil, nil, err
	}

	pool := x509.NewCertPool()
	pool.AddCert(caCert)

	return &tls.Config{
		MinVersion:            tls.VersionTLS12,
		Certificates:          []tls.Certificate{cert},
		ClientAuth:            tls.RequireAndVerifyClientCert,
		ClientCAs:             pool,
		VerifyPeerCertificate: serveCheckExtKeyUsage,
	}, leaf, nil
}

// serveCheckExtKeyUsage is apid's apidCheckExtKeyUsage rule: every non-CA certificate of a verified
// chain must have ExtKeyUsage exactly [clientAuth].
func serveCheckExtKeyUsage(_ [][]byte, verifiedChains [][]*x509.Certificate) error {
	for _, chain := range verifiedChains {
		for _, cert := range chain {
			if cert.IsCA {
				continue
			}

			if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) || len(cert.UnknownExtKeyUsage) > 0 {
				return fmt.Errorf("certificate %q: ExtKeyUsage must be exactly [clientAuth]", cert.Subject)
			}
		}
	}

	return nil
}

func serveLoadCA(crtPath, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	crtPEM, err := os.ReadFile(crtPath)
	if err != nil {
		return nil, nil, fmt.Errorf("--ca-crt: %w", err)
	}

	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("--ca-key: %w", err)
	}

	caCert, caKey, err := serveParseCA(crtPEM, keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("--ca-crt %s / --ca-key %s: %w", crtPath, keyPath, err)
	}

	return caCert, caKey, nil
}

func serveParseCA(crtPEM, keyPEM []byte) (*x509.Certificate, crypto.Signer, error) {
	block, _ := pem.Decode(crtPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, errors.New("no PEM CERTIFICATE block")
	}

	caCert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, err
	}

	caKey, err := serveParsePrivateKey(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("CA key: %w", err)
	}

	return caCert, caKey, nil
}

// serveParsePrivateKey accepts the PEM types Talos accepts, including the non-standard
// "ED25519 PRIVATE KEY" label around a PKCS#8 body.
func serveParsePrivateKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}

	var (
		key any
		err error
	)

	switch block.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "ED25519 PRIVATE KEY", "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM type %q", block.Type)
	}

	if err != nil {
		return nil, err
	}

	switch k := key.(type) {
	case ed25519.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case *rsa.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
}

func serveSerialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
}

// serveIssueServerCertificate issues an apid-like server certificate for the loopback addresses.
func serveIssueServerCertificate(caCert *x509.Certificate, caKey crypto.Signer, hosts []string) (tls.Certificate, *x509.Certificate, error) {
	return serveLoopbackCertificate("localhost", false, hosts, func(_ *x509.Certificate, _ ed25519.PrivateKey) (*x509.Certificate, crypto.Signer) {
		return caCert, caKey
	})
}

// serveSelfSignedCertificate is the maintenance-mode certificate: self-signed, ephemeral.
func serveSelfSignedCertificate(hosts []string) (tls.Certificate, *x509.Certificate, error) {
	return serveLoopbackCertificate("maintenance-service", true, hosts, func(template *x509.Certificate, priv ed25519.PrivateKey) (*x509.Certificate, crypto.Signer) {
		return template, priv
	})
}

// serveLoopbackCertificate makes a one-day Ed25519 server certificate for 127.0.0.1, ::1, localhost and the
// given IPs, signed by whatever the signer function returns (a CA, or the certificate's own key).
func serveLoopbackCertificate(
	commonName string,
	selfSigned bool,
	hosts []string,
	signer func(template *x509.Certificate, priv ed25519.PrivateKey) (*x509.Certificate, crypto.Signer),
) (tls.Certificate, *x509.Certificate, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}

	serial, err := serveSerialNumber()
	if err != nil {
		return tls.Certificate{}, nil, err
	}

	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    now,
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	for _, host := range hosts {
		if ip := net.ParseIP(host); ip != nil && !ip.Equal(net.IPv4(127, 0, 0, 1)) {
			template.IPAddresses = append(template.IPAddresses, ip)
		}
	}
	if selfSigned {
		template.KeyUsage |= x509.KeyUsageCertSign
		template.BasicConstraintsValid = true
		template.IsCA = true
	}

	parent, parentKey := signer(template, priv)
	der, err := x509.CreateCertificate(rand.Reader, template, parent, pub, parentKey)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("sign the %s certificate: %w", commonName, err)
	}

	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}

	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv, Leaf: leaf}, leaf, nil
}
