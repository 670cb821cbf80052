package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// sealer signs the values Liaison hands to Slack and gets back (button
// values, a modal's private_metadata), so a value is honoured only for the
// message or person it was issued for. Slack does not let members edit
// these, but a forged payload or a defect elsewhere must not turn them into
// a way to read any channel or capture as someone else.
type sealer struct{ key []byte }

// newSealer derives the signing key from the bot token: it survives
// restarts (buttons posted yesterday still work) and changes when the token
// is rotated.
func newSealer(botToken string) sealer {
	k := sha256.Sum256([]byte("liaison sealed values v1\x00" + botToken))
	return sealer{key: k[:]}
}

// seal is the signature of parts, joined unambiguously.
func (s sealer) seal(parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// opens reports whether sig is the signature of parts.
func (s sealer) opens(sig string, parts ...string) bool {
	return sig != "" && hmac.Equal([]byte(sig), []byte(s.seal(parts...)))
}
