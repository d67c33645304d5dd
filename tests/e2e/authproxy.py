"""Test-only relay for kubectl in front of an API server that wants a bearer token.

kubectl sends no credentials over plain http:// (client-go applies a kubeconfig's
token only over TLS), so this relay adds `Authorization: Bearer TOKEN` to every
request it forwards. Each request gets its own upstream connection (`Connection:
close`), except upgrades (exec), which are relayed as they are once authorized.

Usage: python3 authproxy.py UPSTREAM_HOST UPSTREAM_PORT TOKEN_FILE PORT_FILE
Listens on 127.0.0.1, any free port, written to PORT_FILE once listening.
"""
import socket
import sys
import threading


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def relay(client, upstream, token):
    head = b""
    while b"\r\n\r\n" not in head:
        data = client.recv(65536)
        if not data:
            client.close()
            return
        head += data
    end = head.index(b"\r\n\r\n")
    lines = head[:end].split(b"\r\n")
    upgrade = any(line.lower().startswith(b"upgrade:") for line in lines[1:])
    headers = [line for line in lines[1:] if not line.lower().startswith(b"authorization:")
               and (upgrade or not line.lower().startswith(b"connection:"))]
    headers.append(b"Authorization: Bearer " + token)
    if not upgrade:
        headers.append(b"Connection: close")
    try:
        server = socket.create_connection(upstream, timeout=10)
        server.settimeout(None)
        server.sendall(b"\r\n".join([lines[0]] + headers) + b"\r\n\r\n" + head[end + 4:])
    except OSError:
        client.close()
        return
    back = threading.Thread(target=pump, args=(server, client), daemon=True)
    back.start()
    pump(client, server)
    back.join()
    client.close()
    server.close()


def main():
    upstream = (sys.argv[1], int(sys.argv[2]))
    with open(sys.argv[3], "rb") as f:
        token = f.readline().strip()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with open(sys.argv[4], "w") as f:
        f.write("%d\n" % listener.getsockname()[1])
    while True:
        client, _ = listener.accept()
        threading.Thread(target=relay, args=(client, upstream, token), daemon=True).start()


if __name__ == "__main__":
    main()
