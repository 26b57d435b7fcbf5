"""The control socket against the clients issue 11 found: one that pipelines then half-closes, one that never
reads its answers, and a busy pipelining client beside a well-behaved one. Starts its own gatewayd (loopback
channel) in a temporary directory, stops it by PID, prints one summary line.

The reference in the same run is the physical floor: `health` latency on the same daemon with nobody else
connected.
"""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BIN = sys.argv[1]
SENDS = 20_000
BUSY_STATS = 24_000


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def connect(path):
    client = socket.socket(socket.AF_UNIX)
    client.connect(path)
    return client


def health_latency(path, probes=20):
    client = connect(path)
    samples = []
    for _ in range(probes):
        started = time.perf_counter()
        client.sendall(b'{"op":"health"}\n')
        buffer = b""
        while not buffer.endswith(b"\n"):
            buffer += client.recv(4096)
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)
    client.close()
    return samples


def pipeline_half_close(path, lines):
    """Writes every line, half-closes, reads to the end: the number of answers."""
    client = connect(path)
    answers = [0]

    def reader():
        while True:
            data = client.recv(1 << 16)
            if not data:
                return
            answers[0] += data.count(b"\n")

    thread = threading.Thread(target=reader)
    thread.start()
    client.sendall(b"".join(lines))
    client.shutdown(socket.SHUT_WR)
    thread.join(timeout=120)
    client.close()
    return answers[0]


def main():
    directory = tempfile.mkdtemp(prefix="cg-control-bench-")
    socket_path = directory + "/gateway.sock"
    os.makedirs(directory + "/channels.d")
    with open(directory + "/gateway.yaml", "w") as config:
        config.write(f"socket: {socket_path}\nstate_dir: {directory}/state\nlisten: off\nlog_level: warning\n")
    with open(directory + "/channels.d/lb.yaml", "w") as channel:
        channel.write("type: loopback\nrate_limit: { per_second: 100000, burst: 100000 }\n")
    daemon = subprocess.Popen(
        [BIN + "/gatewayd", "run", "--config", directory + "/gateway.yaml"],
        stdout=subprocess.DEVNULL, stderr=open(directory + "/gatewayd.log", "w"))
    try:
        for _ in range(200):
            if os.path.exists(socket_path):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        idle = health_latency(socket_path)

        sends = [
            b'{"op":"send","id":%d,"channel":"lb","to":"u%d","content":"bench %d"}\n' % (i, i, i)
            for i in range(SENDS)
        ]
        started = time.perf_counter()
        answered = pipeline_half_close(socket_path, sends)
        pipelined_seconds = time.perf_counter() - started

        before = rss_mb(daemon.pid)
        hog = connect(socket_path)
        hog.setblocking(False)
        chunk = b'{"op":"stats"}\n' * 4096
        written = 0
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                written += hog.send(chunk)
            except BlockingIOError:
                time.sleep(0.01)
        grown = rss_mb(daemon.pid) - before
        hog.close()

        busy = connect(socket_path)
        busy_answers = [0]

        def drain():
            while True:
                data = busy.recv(1 << 16)
                if not data:
                    return
                busy_answers[0] += data.count(b"\n")

        reader = threading.Thread(target=drain)
        reader.start()
        writer = threading.Thread(
            target=lambda: (busy.sendall(b'{"op":"stats"}\n' * BUSY_STATS), busy.shutdown(socket.SHUT_WR)))
        writer.start()
        time.sleep(0.05)
        beside = health_latency(socket_path)
        writer.join()
        reader.join(timeout=120)
        busy.close()

        print(
            f"control socket: pipelined+half-closed {answered}/{SENDS} answers ({SENDS / pipelined_seconds:,.0f}/s)"
            f" | client that never reads: {written // 1024} KiB taken in 10 s, RSS +{grown:.1f} MB"
            f" | health beside {BUSY_STATS:,} pipelined stats: median {statistics.median(beside):.1f} ms,"
            f" worst {max(beside):.1f} ms (idle daemon: median {statistics.median(idle):.1f} ms,"
            f" worst {max(idle):.1f} ms; busy client got {busy_answers[0]:,} answers)")
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        shutil.rmtree(directory, ignore_errors=True)


main()
