// Command go-centrifuge is the Go engine baseline of rotor's benchmark: the
// Centrifuge library (the engine under Centrifugo) on its memory engine, with
// its default WebSocket settings, doing what rotor does in the bench.
//
//   - /connection/websocket: anonymous clients may connect and subscribe to
//     any channel (Centrifuge's own client protocol, JSON).
//   - POST /api/publish {"channel":…,"data":…}: Centrifugo's HTTP API body;
//     calls node.Publish and answers {"result":{}}.
//   - /health: 200 once the node runs.
//
// Built by the bench harness in GOPATH mode against Debian's packages.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/centrifugal/centrifuge"
)

type publishRequest struct {
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
}

func newNode() *centrifuge.Node {
	cfg := centrifuge.DefaultConfig
	cfg.LogLevel = centrifuge.LogLevelError
	cfg.LogHandler = func(e centrifuge.LogEntry) { log.Printf("%s: %v", e.Message, e.Fields) }
	node, err := centrifuge.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	node.OnConnecting(func(context.Context, centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		return centrifuge.ConnectReply{Credentials: &centrifuge.Credentials{UserID: ""}}, nil
	})
	node.OnConnect(func(client *centrifuge.Client) {
		client.OnSubscribe(func(_ centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
			cb(centrifuge.SubscribeReply{}, nil)
		})
	})
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
	return node
}

func publishHandler(node *centrifuge.Node) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(r.Body)
		var req publishRequest
		if err == nil {
			err = json.Unmarshal(body, &req)
		}
		if err != nil || req.Channel == "" || len(req.Data) == 0 {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"error":{"code":107,"message":"bad request"}}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if _, err := node.Publish(req.Channel, req.Data); err != nil {
			_, _ = w.Write([]byte(`{"error":{"code":100,"message":"internal server error"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"result":{}}`))
	}
}

func main() {
	port := flag.String("port", "8000", "port to listen on (127.0.0.1)")
	flag.Parse()

	node := newNode()
	mux := http.NewServeMux()
	mux.Handle("/connection/websocket", centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{}))
	mux.Handle("/api/publish", publishHandler(node))
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })

	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", *port))
	if err != nil {
		log.Fatal(err)
	}
	server := &http.Server{Handler: mux}
	go func() {
		if err := server.Serve(listener); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	_ = server.Close()
	_ = node.Shutdown(context.Background())
}
