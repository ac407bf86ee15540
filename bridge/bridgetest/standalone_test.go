package bridgetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stui-dev/stui/bridge"
)

func TestStartOutsideATest(t *testing.T) {
	if _, err := Start(WithVectors(t.TempDir())); err == nil || !strings.Contains(err.Error(), "no vectors") {
		t.Fatalf("Start with no vectors answered %v, want an error saying so", err)
	}
	srv, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := bridge.NewClient(bridge.Config{Endpoint: srv.Endpoint(), Token: srv.Token()})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var res bridge.PingResult
	if err := c.Call(ctx, bridge.Ping, "", nil, bridge.PingParams{}, &res); err != nil || !res.Pong {
		t.Fatalf("ping a standalone fake image: %+v, %v", res, err)
	}
	srv.ForgetRequests()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests after ForgetRequests, want 0", n)
	}
}
