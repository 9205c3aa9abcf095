package main

import (
	"crypto/rand"
	"fmt"
)

// newActorID is a random UUID (version 4), as machined gives each Upgrade/Reset/Reboot actor.
func newActorID() string {
	var b [16]byte

	rand.Read(b[:]) //nolint:errcheck

	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80

	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
