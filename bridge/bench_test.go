package bridge_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// BenchmarkRoundTrip compares, in one run and against one peer, a ping through the bridge
// (Client.Call: envelope, JSON both ways, id check, deadline) with the same request bytes
// through a raw zmq4 REQ socket (Send, Recv, nothing else). Each iteration does one of
// each, alternately, so that both see the same machine load. It reports the p50 and p99
// of each, and their ratio: bridge/zmq4 at p50 is the overhead of the bridge.
//
//	go test -run '^$' -bench RoundTrip -benchtime 5000x ./bridge/
func BenchmarkRoundTrip(b *testing.B) {
	b.Run("fake-image", func(b *testing.B) {
		srv := bridgetest.NewServer(b)
		benchPair(b, srv.Endpoint(), srv.Token())
	})
	b.Run("libzmq-peer", func(b *testing.B) {
		peer := startLibzmqPeer(b, 0)
		benchPair(b, peer.endpoint, peer.token)
	})
}

func benchPair(b *testing.B, endpoint, token string) {
	c := bridge.NewClient(bridge.Config{Endpoint: endpoint, Token: token})
	defer c.Close()
	raw := zmq4.NewReq(context.Background())
	defer raw.Close()
	if err := raw.Dial(endpoint); err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(bridge.Request{Version: 1, ID: "raw-1", Command: bridge.Ping, Token: token, DeadlineMS: 5000, Parameters: json.RawMessage("{}")})

	bridgeCall := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var res bridge.PingResult
		if err := c.Call(ctx, bridge.Ping, "", nil, bridge.PingParams{}, &res); err != nil || !res.Pong {
			b.Fatal(err)
		}
	}
	rawCall := func() {
		if err := raw.Send(zmq4.NewMsg(body)); err != nil {
			b.Fatal(err)
		}
		if _, err := raw.Recv(); err != nil {
			b.Fatal(err)
		}
	}
	for range 200 { // warm up both paths
		bridgeCall()
		rawCall()
	}
	viaBridge := make([]time.Duration, 0, b.N)
	viaRaw := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		bridgeCall()
		viaBridge = append(viaBridge, time.Since(t))
		t = time.Now()
		rawCall()
		viaRaw = append(viaRaw, time.Since(t))
	}
	b.StopTimer()
	bp50, bp99 := percentiles(viaBridge)
	rp50, rp99 := percentiles(viaRaw)
	b.ReportMetric(bp50, "bridge-p50-µs")
	b.ReportMetric(bp99, "bridge-p99-µs")
	b.ReportMetric(rp50, "zmq4-p50-µs")
	b.ReportMetric(rp99, "zmq4-p99-µs")
	b.ReportMetric(bp50/rp50, "ratio-p50")
	b.ReportMetric(bp99/rp99, "ratio-p99")
}

func percentiles(ds []time.Duration) (p50, p99 float64) {
	slices.Sort(ds)
	at := func(q float64) float64 {
		return float64(ds[int(q*float64(len(ds)-1))].Nanoseconds()) / 1e3
	}
	return at(0.50), at(0.99)
}
