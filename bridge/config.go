package bridge

import (
	"fmt"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"
)

// DefaultEndpoint is where a STUI server listens unless told otherwise.
const DefaultEndpoint = "tcp://127.0.0.1:4044"

// TokenEnv is the environment variable that holds the token, when no file is named.
const TokenEnv = "STUI_TOKEN"

// Defaults used when a Config leaves a field zero.
const (
	DefaultDialTimeout = 2 * time.Second  // bound on dialling and the ZMTP handshake
	DefaultTimeout     = 30 * time.Second // bound on a request whose context has no deadline
)

// Config configures a Client. The zero value of every field but Endpoint means its default.
type Config struct {
	Endpoint    string        // "tcp://127.0.0.1:4044" (DefaultEndpoint)
	Token       string        // sent in every envelope, never logged
	MaxMessage  int           // cap on one message, both directions; 0: DefaultMaxMessage
	DialTimeout time.Duration // bound on dial + handshake, still bounded by the context; 0: DefaultDialTimeout
	Timeout     time.Duration // bound on a request whose context has no deadline; 0: DefaultTimeout
	Logger      *zap.Logger   // nil: zap.NewNop()
}

func (c Config) withDefaults() Config {
	if c.Endpoint == "" {
		c.Endpoint = DefaultEndpoint
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = DefaultMaxMessage
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c
}

// tcpAddr answers the host:port of a tcp:// endpoint.
func tcpAddr(endpoint string) (string, error) {
	addr, ok := strings.CutPrefix(endpoint, "tcp://")
	if !ok || addr == "" || !strings.Contains(addr, ":") {
		return "", fmt.Errorf("bridge: endpoint %q is not of the form tcp://HOST:PORT", endpoint)
	}
	return addr, nil
}

// ReadToken answers the token: the contents of file (trimmed) when file is not empty,
// otherwise the value of the environment variable envVar (TokenEnv when empty). A named
// file that cannot be read or is empty is an error; an unset variable answers "".
func ReadToken(envVar, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("bridge: reading the token file: %w", err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", fmt.Errorf("bridge: the token file %s is empty", file)
		}
		return tok, nil
	}
	if envVar == "" {
		envVar = TokenEnv
	}
	return strings.TrimSpace(os.Getenv(envVar)), nil
}

// CheckEndpoint reports whether endpoint is one the client can dial: tcp://HOST:PORT.
func CheckEndpoint(endpoint string) error {
	_, err := tcpAddr(endpoint)
	return err
}
