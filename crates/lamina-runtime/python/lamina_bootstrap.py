"""Lamina's Python runtime client: the loop awslambdaric runs in Lambda, for `lamina dev` workers.

Written to `.lamina/` by lamina-runtime and started once per worker process. It:
- ties itself to lamina (PR_SET_PDEATHSIG) so no worker outlives it, even after a SIGKILL;
- sets sys.path as Lambda does: the function dir, then the layers (site-packages, then code layers);
- imports `_HANDLER` once (init), reporting failures to /runtime/init/error in awslambdaric's shape;
- then loops: GET /runtime/invocation/next, handler(event, context), POST .../response or .../error.

The Runtime API is plain HTTP/1.1 on one keep-alive connection, spoken over a raw socket: http.client's
header parsing costs more CPU than the rest of the loop. It only needs what the Runtime API sends
(Content-Length bodies).

Zygote mode (`LAMINA_ZYGOTE=1`, one process per domain): the same file is started once with the
domain's environment, pre-imports the third-party and stdlib modules that the domain's handler imported
last time (`LAMINA_MODULES_FILE`, written by every worker after its init: never the domain's own
modules nor code layers), then forks workers on request. Each forked worker gets its own process group,
its own stdout/stderr pipes (sent by lamina with SCM_RIGHTS over the zygote's stdin, a SEQPACKET
socket), PR_SET_PDEATHSIG to the zygote (itself tied to lamina), its per-worker variables, Lambda's
sys.path, and then imports the handler as a plain worker does. The zygote reaps its children and
reports each exit status to lamina.
"""

import os
import sys


def _tie_to_parent(parent=None):
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: lamina's stdin pipe still ends us
        pass
    if parent is None:
        parent = os.environ.pop("LAMINA_PARENT_PID", "")
    if parent and str(os.getppid()) != str(parent):
        os._exit(1)  # the parent died before the prctl took effect


_tie_to_parent()

import json  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self):
        self.cognito_identity_id = None
        self.cognito_identity_pool_id = None

    def __repr__(self):
        return (
            f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id}, "
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}])"
        )


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, d):
        for name in self.__slots__:
            setattr(self, name, d.get(name))


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, d):
        self.custom = d.get("custom")
        self.env = d.get("env")
        client = d.get("client")
        self.client = Client(client) if isinstance(client, dict) else None


class LambdaContext:
    """awslambdaric's `LambdaContext`, attribute for attribute."""

    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn=None, tenant_id=None):
        env = os.environ
        self.aws_request_id = invoke_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = ClientContext(client_context) if isinstance(client_context, dict) else None
        self.identity = CognitoIdentity()
        if isinstance(cognito_identity, dict):
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))
        sys.stdout.flush()

    def __repr__(self):
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
            f"identity={self.identity},tenant_id={self.tenant_id}])"
        )


class RuntimeApiError(Exception):
    pass


class HttpRuntimeClient:
    """The Lambda Runtime API (`/2018-06-01/runtime/...`) over one keep-alive HTTP/1.1 connection."""

    def __init__(self, api):
        hostport, _, prefix = api.partition("/")
        host, _, port = hostport.rpartition(":")
        self._addr = (host or "127.0.0.1", int(port))
        self._base = (("/" + prefix) if prefix else "") + "/2018-06-01/runtime"
        self._host = hostport.encode()
        self._sock = None
        self._buf = b""

    def _connect(self):
        sock = socket.create_connection(self._addr)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._buf = b""

    def _request(self, method, path, body=b"", headers=()):
        head = [f"{method} {self._base}{path} HTTP/1.1".encode(), b"Host: " + self._host]
        for name, value in headers:
            head.append(f"{name}: {value}".encode())
        if method == "POST":
            head.append(b"Content-Length: " + str(len(body)).encode())
        data = b"\r\n".join(head) + b"\r\n\r\n"
        for attempt in (0, 1):
            if self._sock is None:
                self._connect()
            try:
                if len(body) < 65536:
                    self._sock.sendall(data + body)
                else:
                    self._sock.sendall(data)
                    self._sock.sendall(body)
                return self._read_response()
            except (ConnectionError, RuntimeApiError):
                self._sock = None
                if attempt:
                    raise

    def _read_response(self):
        buf = self._buf
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            chunk = self._sock.recv(65536)
            if not chunk:
                raise RuntimeApiError("the Runtime API closed the connection")
            buf += chunk
        lines = buf[:end].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if "chunked" in headers.get("transfer-encoding", ""):
            raise RuntimeApiError("chunked responses from the Runtime API are not supported")
        need = end + 4 + length
        while len(buf) < need:
            chunk = self._sock.recv(max(65536, need - len(buf)))
            if not chunk:
                raise RuntimeApiError("the Runtime API closed the connection")
            buf += chunk
        self._buf = buf[need:]
        return status, headers, buf[end + 4 : need]

    def next(self):
        status, headers, body = self._request("GET", "/invocation/next")
        if status != 200:
            raise RuntimeApiError(f"/invocation/next returned {status}: {body[:200]!r}")
        return headers, body

    def post_response(self, request_id, body):
        return self._request(
            "POST", f"/invocation/{request_id}/response", body, (("Content-Type", "application/json"),)
        )

    def post_error(self, request_id, error, error_type):
        body = json.dumps(error).encode()
        return self._request(
            "POST",
            f"/invocation/{request_id}/error",
            body,
            (("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", error_type)),
        )

    def post_init_error(self, error, error_type):
        body = json.dumps(error).encode()
        return self._request(
            "POST",
            "/init/error",
            body,
            (("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", error_type)),
        )


class UnixRuntimeClient:
    """The same five calls as length-prefixed frames on a Unix socket (LAMINA_TRANSPORT=unix).

    Frame: 4-byte big-endian header length, 4-byte body length, a JSON header, then the body.
    """

    def __init__(self, path, token):
        import struct

        self._struct = struct.Struct(">II")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(path)
        self._file = self._sock.makefile("rb")
        self._send({"op": "hello", "token": token}, b"")

    def _send(self, header, body):
        head = json.dumps(header).encode()
        self._sock.sendall(self._struct.pack(len(head), len(body)) + head + body)

    def _recv(self):
        raw = self._file.read(8)
        if len(raw) < 8:
            raise RuntimeApiError("lamina closed the runtime socket")
        hlen, blen = self._struct.unpack(raw)
        header = json.loads(self._file.read(hlen))
        body = self._file.read(blen) if blen else b""
        return header, body

    def next(self):
        self._send({"op": "next"}, b"")
        header, body = self._recv()
        return header, body

    def _post(self, header, body):
        self._send(header, body)
        reply, rbody = self._recv()
        return reply.get("status", 202), {}, rbody

    def post_response(self, request_id, body):
        return self._post({"op": "response", "id": request_id}, body)

    def post_error(self, request_id, error, error_type):
        return self._post({"op": "error", "id": request_id, "type": error_type}, json.dumps(error).encode())

    def post_init_error(self, error, error_type):
        return self._post({"op": "init_error", "type": error_type}, json.dumps(error).encode())


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _stack(tb, skip_bootstrap=True):
    import traceback

    frames = traceback.extract_tb(tb)
    if skip_bootstrap:
        frames = [f for f in frames if f.filename != __file__]
    return traceback.format_list(frames)


def _log_error(error):
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(s.rstrip("\n") for s in error["stackTrace"])
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


class FaultError(Exception):
    def __init__(self, error_type, msg, tb=None):
        super().__init__(msg)
        self.error_type = error_type
        self.msg = msg
        self.tb = tb


def _load_handler(handler):
    import importlib

    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}") from None
    modname = modname.replace("/", ".")
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultError(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {modname} as a handler module",
            )
        module = importlib.import_module(modname)
    except FaultError:
        raise
    except ImportError as e:
        raise FaultError(
            "Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}", e.__traceback__
        ) from None
    except SyntaxError as e:
        raise FaultError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}", e.__traceback__
        ) from None
    except Exception as e:  # noqa: BLE001 - any import-time failure is an init error
        raise FaultError(type(e).__name__, str(e), e.__traceback__) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultError("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'") from None


def _decimal_default(o):
    import decimal

    if isinstance(o, decimal.Decimal):
        return float(o)
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _set_sys_path():
    extra = [p for p in os.environ.pop("LAMINA_SYS_PATH", "").split(os.pathsep) if p]
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if p and p not in extra and os.path.abspath(p) != here]
    sys.path[:] = extra + rest


def _path_list(var):
    return [os.path.join(os.path.abspath(p), "") for p in os.environ.get(var, "").split(os.pathsep) if p]


def _preloadable_roots():
    """Directories whose modules never change under a running `lamina dev`: the requirements
    (site-packages) and the standard library."""
    import sysconfig

    roots = _path_list("LAMINA_SITE_PACKAGES")
    for key in ("stdlib", "platstdlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            roots.append(os.path.join(os.path.abspath(p), ""))
    return tuple(roots)


def _record_modules(path, own):
    """Writes the names of the loaded modules that a zygote may pre-import (see `_preloadable_roots`):
    never the function's own code (`own`: function dir and code layers) nor this bootstrap."""
    roots = _preloadable_roots()
    names = []
    for name, module in list(sys.modules.items()):
        f = getattr(module, "__file__", None)
        if not f or name == "__main__" or not isinstance(f, str):
            continue
        f = os.path.abspath(f)
        if f.startswith(roots) and not f.startswith(own) and f != os.path.abspath(__file__):
            names.append(name)
    data = "\n".join(names) + "\n"
    try:
        with open(path) as fh:
            if fh.read() == data:
                return
    except OSError:
        pass
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


def main():
    modules_file = os.environ.pop("LAMINA_MODULES_FILE", "")
    site = _path_list("LAMINA_SITE_PACKAGES")
    own = tuple(p for p in _path_list("LAMINA_SYS_PATH") if p not in site)
    _set_sys_path()
    os.chdir(os.environ.get("LAMBDA_TASK_ROOT", "."))
    if os.environ.pop("LAMINA_MEASURE_IMPORT", "") == "1":
        # Only the import, timed by lamina from the spawn: what a fresh Lambda init pays.
        try:
            _load_handler(os.environ["_HANDLER"])
        except FaultError:
            os._exit(1)
        os._exit(0)
    transport = os.environ.pop("LAMINA_TRANSPORT", "http")
    if transport == "unix":
        client = UnixRuntimeClient(os.environ.pop("LAMINA_SOCKET"), os.environ.pop("LAMINA_TOKEN"))
    else:
        client = HttpRuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])

    try:
        handler = _load_handler(os.environ["_HANDLER"])
        if modules_file:
            _record_modules(modules_file, own)
        os.environ.pop("LAMINA_SITE_PACKAGES", None)
    except FaultError as f:
        error = make_error(f.msg, f.error_type, _stack(f.tb) if f.tb else [])
        _log_error(error)
        try:
            client.post_init_error(error, f.error_type)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)

    dumps = json.dumps
    loads = json.loads
    environ = os.environ
    unix = transport == "unix"
    while True:
        headers, body = client.next()
        if unix:
            request_id = headers["id"]
            deadline = int(headers["deadline_ms"])
            arn = headers.get("arn")
            trace = headers.get("trace")
            client_context = headers.get("client_context")
            identity = headers.get("identity")
            tenant = headers.get("tenant")
        else:
            request_id = headers["lambda-runtime-aws-request-id"]
            deadline = int(headers.get("lambda-runtime-deadline-ms", "0"))
            arn = headers.get("lambda-runtime-invoked-function-arn")
            trace = headers.get("lambda-runtime-trace-id")
            client_context = headers.get("lambda-runtime-client-context")
            identity = headers.get("lambda-runtime-cognito-identity")
            tenant = headers.get("lambda-runtime-aws-tenant-id")
        if trace:
            environ["_X_AMZN_TRACE_ID"] = trace
        else:
            environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            context = LambdaContext(
                request_id,
                loads(client_context) if client_context else None,
                loads(identity) if identity else None,
                deadline,
                arn,
                tenant,
            )
            try:
                event = loads(body) if body else None
            except ValueError as e:
                raise FaultError("Runtime.UnmarshalError", f"Unable to unmarshal input: {e}") from None
            result = handler(event, context)
            try:
                payload = dumps(result, default=_decimal_default).encode()
            except (TypeError, ValueError) as e:
                raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {e}") from None
        except FaultError as f:
            error = make_error(f.msg, f.error_type, [], request_id)
            _log_error(error)
            client.post_error(request_id, error, f.error_type)
            continue
        except Exception as e:  # noqa: BLE001 - an unhandled exception in the handler
            error = make_error(str(e), type(e).__name__, _stack(e.__traceback__), request_id)
            _log_error(error)
            client.post_error(request_id, error, "Unhandled")
            continue
        status, _, reply = client.post_response(request_id, payload)
        if status != 202:
            sys.stdout.write(f"[ERROR] the Runtime API refused the response ({status}): {reply.decode(errors='replace')}\n")
            sys.stdout.flush()


def _exit_code(e):
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(f"{code}\n")
    except Exception:  # noqa: BLE001
        pass
    return 1


def _run_forked(zygote_pid, env, out_fd, err_fd):
    """In a forked child of the zygote: become a plain worker. Never returns."""
    import signal

    code = 1
    try:
        os.setpgid(0, 0)
        _tie_to_parent(zygote_pid)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        for fd in (null, out_fd, err_fd):
            if fd > 2:
                os.close(fd)
        os.environ.update(env)
        import importlib

        importlib.invalidate_caches()
        try:
            main()
            code = 0
        except SystemExit as e:
            code = _exit_code(e)
        except BaseException:  # noqa: BLE001 - as the interpreter would: print it, status 1
            import traceback

            traceback.print_exc()
            code = 1
        try:
            import atexit

            atexit._run_exitfuncs()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(code)


def _preload(path, done):
    """Imports the modules listed in `path` that are not loaded yet; returns how many were tried."""
    import importlib

    try:
        with open(path) as fh:
            names = [n for n in fh.read().split() if n and n not in done]
    except OSError:
        return 0
    for name in names:
        done.add(name)
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except BaseException as e:  # noqa: BLE001 - a module that cannot be pre-imported is imported by the worker
            sys.stderr.write(f"not pre-imported: {name} ({type(e).__name__}: {e})\n")
    return len(names)


def zygote():
    import gc
    import select
    import signal
    import threading

    ctl = socket.socket(fileno=0)  # lamina's SEQPACKET socket
    me = os.getpid()
    # Only the requirements and the stdlib are importable here: the function dir and code layers
    # (which change) go on sys.path in each forked worker.
    site = [p for p in os.environ.get("LAMINA_SITE_PACKAGES", "").split(os.pathsep) if p]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = site + [p for p in sys.path if p and p not in site and os.path.abspath(p) != here]
    modules_file = os.environ.get("LAMINA_MODULES_FILE", "")
    done = set()
    preload = os.environ.pop("LAMINA_ZYGOTE_PRELOAD", "1") == "1"

    def send(obj):
        ctl.send(json.dumps(obj).encode())

    def mtime():
        try:
            return os.stat(modules_file).st_mtime_ns
        except OSError:
            return None

    def load():
        if not preload or not modules_file:
            return
        if _preload(modules_file, done):
            if threading.active_count() > 1:
                # Forking a process with threads is unsafe: start over without pre-importing.
                sys.stderr.write("a pre-imported module started a thread: workers import everything themselves\n")
                sys.stderr.flush()
                os.environ["LAMINA_ZYGOTE_PRELOAD"] = "0"
                os.environ["LAMINA_ZYGOTE"] = "1"
                os.environ["LAMINA_PARENT_PID"] = str(os.getppid())
                os.execv(sys.executable, [sys.executable] + sys.orig_argv[1:])
            gc.collect()
            gc.freeze()

    seen = mtime()
    load()
    sys.stdout.flush()
    sys.stderr.flush()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children = {}
    draining = False
    send({"op": "ready"})

    def reap():
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            wid = children.pop(pid, None)
            if wid is not None:
                send({"op": "exit", "id": wid, "status": status})

    while True:
        if draining and not children:
            os._exit(0)
        try:
            ready, _, _ = select.select([ctl, wake_r], [], [], 0.25)
        except InterruptedError:
            continue
        if wake_r in ready:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            reap()
        if ctl in ready:
            msg, fds, _, _ = socket.recv_fds(ctl, 65536, 4)
            if not msg:
                os._exit(0)  # lamina is gone
            req = json.loads(msg)
            op = req.get("op")
            if op == "spawn" and len(fds) == 2 and not draining:
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    ctl.detach()
                    os.close(wake_r)
                    os.close(wake_w)
                    _run_forked(me, req.get("env", {}), fds[0], fds[1])
                for fd in fds:
                    os.close(fd)
                children[pid] = req["id"]
                send({"op": "spawned", "id": req["id"], "pid": pid})
            else:
                for fd in fds:
                    os.close(fd)
                if op == "spawn":
                    send({"op": "refused", "id": req.get("id")})
                elif op == "drain":
                    draining = True
        elif not ready and not draining:
            now = mtime()
            if now != seen:
                seen = now
                send({"op": "busy"})
                load()
                send({"op": "ready"})


if __name__ == "__main__":
    if os.environ.pop("LAMINA_ZYGOTE", "") == "1":
        zygote()
    else:
        main()
