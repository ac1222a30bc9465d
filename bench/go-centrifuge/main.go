// Command go-centrifuge is the Go engine baseline of rotor's benchmark: the
// Centrifuge library (the engine under Centrifugo) on its memory engine, with
// its default WebSocket settings, doing what rotor does in the bench.
//
//   - /connection/websocket: anonymous clients may connect and subscribe to
//     any channel (Centrifuge's own client protocol, JSON).
//   - POST /api/publish {"channel":…,"data":…}: Centrifugo's HTTP API body;
//     calls node.Publish and answers {"result":{}}.
//   - /health: 200 once the node runs.
//   - --token-hmac-secret S: every connect must carry an HS256 JWT signed
//     with S (its `sub` is the user, an `exp` in the past refuses it), checked
//     with the standard library as Centrifugo checks its tokens.
//
// Built by the bench harness in GOPATH mode against Debian's packages.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/centrifugal/centrifuge"
)

type publishRequest struct {
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
}

type tokenClaims struct {
	Sub string `json:"sub"`
	Exp int64  `json:"exp"`
}

// verifyToken checks an HS256 JWT's signature and expiry and returns its claims.
func verifyToken(token string, secret []byte) (tokenClaims, bool) {
	var claims tokenClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims, false
	}
	signature, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return claims, false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(signature, mac.Sum(nil)) {
		return claims, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return claims, false
	}
	if claims.Exp > 0 && claims.Exp < time.Now().Unix() {
		return claims, false
	}
	return claims, true
}

func newNode(secret []byte) *centrifuge.Node {
	cfg := centrifuge.DefaultConfig
	cfg.LogLevel = centrifuge.LogLevelError
	cfg.LogHandler = func(e centrifuge.LogEntry) { log.Printf("%s: %v", e.Message, e.Fields) }
	node, err := centrifuge.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	node.OnConnecting(func(_ context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		if len(secret) == 0 {
			return centrifuge.ConnectReply{Credentials: &centrifuge.Credentials{UserID: ""}}, nil
		}
		claims, ok := verifyToken(e.Token, secret)
		if !ok {
			return centrifuge.ConnectReply{}, centrifuge.DisconnectInvalidToken
		}
		return centrifuge.ConnectReply{Credentials: &centrifuge.Credentials{UserID: claims.Sub}}, nil
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
	secret := flag.String("token-hmac-secret", "", "require an HS256 connection JWT signed with this secret")
	flag.Parse()

	node := newNode([]byte(*secret))
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
