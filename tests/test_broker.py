"""A worker outlives a Redis restart (handywriterz/broker.py): the broker-loss clean-up that
celery 5.7 runs (collect, then close) on a connection whose consumers were mid-BRPOP with a
message unacknowledged, against a real Redis that is killed."""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time

import pytest
from kombu import Connection, Exchange, Queue

from handywriterz.broker import TRANSPORT_PATH, transport_for


@pytest.fixture
def doomed_redis():
    """A private redis-server on a free port, for a test to kill."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port",
                               str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while socket.socket().connect_ex(("127.0.0.1", port)) and time.monotonic() < deadline:
        time.sleep(0.05)
    yield server, f"redis://127.0.0.1:{port}/0"
    if server.poll() is None:
        server.kill()
    server.wait()


def consuming_connection(url: str, transport: str | None) -> tuple[Connection, list]:
    """Two consuming channels, as in a worker (tasks, control), one task message received and not
    acknowledged, and both channels' next BRPOP in flight."""
    connection = Connection(url, transport=transport)
    tasks, control = (Queue(name, Exchange(name), name) for name in ("tasks", "control"))
    with connection.Producer() as producer:
        producer.publish({"step": 1}, exchange=tasks.exchange, routing_key="tasks", declare=[tasks])
    received: list = []
    connection.Consumer(tasks, callbacks=[lambda _body, message: received.append(message)],
                        channel=connection.default_channel).consume()
    connection.Consumer(control, callbacks=[], channel=connection.channel()).consume()
    connection.drain_events(timeout=2)
    with pytest.raises(TimeoutError):
        connection.drain_events(timeout=0.3)  # leaves a BRPOP outstanding on each channel
    return connection, received


def lose_the_broker(server: subprocess.Popen, connection: Connection) -> None:
    server.send_signal(signal.SIGKILL)
    server.wait()
    try:
        connection.collect(socket_timeout=1)  # what Consumer.on_connection_error_after_connected does first
    except Exception:  # noqa: BLE001 - celery ignores whatever collect raises, so does this
        pass


def test_kombus_own_transport_turns_a_lost_redis_into_an_error_the_worker_cannot_survive(doomed_redis):
    # given a connection on kombu's Redis transport, mid-consume with a message unacknowledged
    server, url = doomed_redis
    connection, received = consuming_connection(url, None)
    assert len(received) == 1

    # when Redis dies and the connection is collected, then closed as celery does
    lose_the_broker(server, connection)

    # then the close raises an error that is not a connection error: Celery calls it unrecoverable
    # (the day this fails, kombu has fixed it and handywriterz/broker.py can go)
    with pytest.raises(AttributeError):
        connection.close()


def test_our_transport_closes_the_same_connection_so_the_worker_reconnects(doomed_redis):
    # given the same connection on handywriterz.broker's transport
    server, url = doomed_redis
    connection, received = consuming_connection(url, TRANSPORT_PATH)
    assert len(received) == 1

    # when Redis dies and the connection is collected, then closed
    lose_the_broker(server, connection)

    # then closing it raises nothing, so the consumer goes on to reconnect
    connection.close()


def test_workers_take_the_transport_for_redis_brokers_only():
    assert transport_for("redis://127.0.0.1:6379/0") == TRANSPORT_PATH
    assert transport_for("rediss://cache.example:6380/1") == TRANSPORT_PATH
    assert transport_for("amqp://guest:guest@127.0.0.1:5672//") is None
    assert transport_for("sentinel://127.0.0.1:26379") is None


def test_a_celery_worker_connects_through_it(worker):
    # given the session's worker (started with `celery -A handywriterz worker`), then its log
    # says which transport it connected with
    log = next(iter(worker.log_dir.glob("worker-*.log")))
    assert f"Connected to {TRANSPORT_PATH}://" in log.read_text(errors="replace")
