#!/usr/bin/env python3
"""Summarise a callgrind_annotate --inclusive=yes output into the buckets of bench/profiles/README.md."""
import re, sys
path = sys.argv[1]
buckets = [
 ("total", r"PROGRAM TOTALS"),
 ("worker threads (io_context::run)", r"io_context::run\(\) \["),
 ("storage writer thread (GroupWriter::run)", r"GroupWriter::run\(\) \["),
 ("  SQLite statements (WriteConn::apply)", r"WriteConn::apply\("),
 ("action inside the timeout race (parallel_group of `||`)", r"co_spawn_entry_point.*parallel_group"),
 ("  exception of the cancelled timer (rethrow_exception)", r"std::rethrow_exception"),
 ("WsSession::read_loop (frame read + decode)", r"WsSession::read_loop\(rivet"),
 ("WsSession::pump (reply write)", r"WsSession::pump\(\) \["),
 ("TaskGroup::spawn (one coroutine per WS action)", r"TaskGroup::spawn<.*\[/work"),
 ("persist_state (serialize + submit)", r"ActorRuntime::persist_state\(rivet"),
 ("  TypedBox<State>::to_value", r"TypedBox<CounterState>::to_value"),
 ("  encode_compat_cbor", r"rivet::protocol::encode_compat_cbor\("),
 ("commit completion (post back to the strand)", r"durable_commit.cpp:void boost::asio::detail::executor_function::complete<boost::asio::detail::binder0<rivet::detail::commit_durably"),
 ("HttpSession::run", r"HttpSession::run\(rivet"),
 ("handle_http", r"rivet::server::handle_http\(rivet::server::handle_http"),
 ("Engine::ensure_ready (strand hop for identity)", r"co_spawn_entry_point<boost::system::result<rivet::ActorIdentity"),
 ("open_conn (transient connection)", r"ActorRuntime::open_conn\(rivet"),
]
lines = open(path, errors="replace").read().splitlines()
def val(l):
    try: return int(l.split()[0].replace(",", ""))
    except Exception: return 0
total = None
for name, rx in buckets:
    if rx is None: continue
    best = None
    for l in lines:
        if re.search(rx, l):
            v = val(l)
            best = v if best is None else max(best, v)
    if name == "total": total = best
    if best is None: print(f"| {name} | - |"); continue
    print(f"| {name} | {best/1e6:.1f} M | {100*best/total:.1f} % |")
