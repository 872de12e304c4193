"""pipesim's Python runtime shim: one Lambda execution environment running a user's handler.

pipesim starts `python3 pipesim_runtime.py` and speaks the lockstep protocol of
runtimes/PROTOCOL.md with it over standard input and output. The handler is loaded, called and
its failures reported the way AWS Lambda's Python runtime interface client does
(https://github.com/aws/aws-lambda-python-runtime-interface-client, awslambdaric/bootstrap.py;
https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html), so the user's code runs
unchanged. Standard library only: the handler's own dependencies are its business.
"""
import codecs
import decimal
import functools
import importlib
import importlib.abc
import io
import json
import logging
import os
import sys
import threading
import time
import traceback

PROTOCOL = 1
VIRTUAL_EPOCH_MS = 1767225600000  # virtual time 0, 2026-01-01T00:00:00Z (PROTOCOL.md)
INIT_ERROR_EXIT_STATUS = 1  # awslambdaric exits 1 after posting an init error

SHIM_FILE = os.path.abspath(__file__)
SHIM_DIR = os.path.dirname(SHIM_FILE)


class fault(Exception):
    """A failure Lambda's runtime reports under its own Runtime.* type."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def encode_json(value):
    """The JSON text of a value, or ValueError/TypeError as json.dumps raises them.

    allow_nan=False because pipesim's parser, like any strict one, refuses NaN and Infinity.
    Decimal is accepted because awslambdaric's encoder accepts it (DynamoDB returns Decimals).
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      default=encode_decimal)


def encode_decimal(value):
    if isinstance(value, decimal.Decimal) and value.is_finite():
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def well_formed(text):
    """Text that encodes as UTF-8: lone surrogates (from surrogateescape) become U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")


class channel:
    """The protocol's ends of the process: private copies of fd 0 and fd 1.

    fd 1 is pointed at fd 2 once its copy is taken, so a C extension, a subprocess or
    sys.__stdout__ writing to "stdout" lands on standard error (pipesim keeps its tail for
    diagnostics) instead of corrupting the protocol; fd 0 becomes /dev/null so nothing the
    handler starts can read pipesim's requests.
    """

    def __init__(self):
        sys.stdout.flush()
        self._out = os.dup(1)
        os.dup2(2, 1)
        self._in = os.fdopen(os.dup(0), "rb")
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        self._lock = threading.Lock()
        self._open = False  # a request is open: the shim may write
        self._held = []  # logs written while no request was open (background threads)
        self._closed = False

    def read_request(self):
        line = self._in.readline()
        return json.loads(line) if line else None

    def open_request(self):
        """Starts answering a request; logs held since the last answer go out first."""
        with self._lock:
            self._open = True
            held, self._held = self._held, []
            for message in held:
                self._write_line(message)

    def log(self, stream, text):
        line = encode_json({"type": "log", "stream": stream, "text": well_formed(text)})
        with self._lock:
            if self._closed:
                return
            if self._open:
                self._write_line(line)
            else:
                # The protocol is lockstep: the shim never writes unprompted. Lambda would have
                # frozen this work; it shows up in the next request, as thawed work would.
                self._held.append(line)

    def answer(self, line):
        with self._lock:
            self._write_line(line)
            self._open = False

    def close(self):
        with self._lock:
            self._closed = True

    def _write_line(self, line):
        data = (line + "\n").encode("utf-8", "replace")
        while data:
            data = data[os.write(self._out, data):]


class log_writer(io.TextIOBase):
    """sys.stdout / sys.stderr: what the handler writes becomes `log` messages.

    Line buffered, as a terminal is: print("a", "b") is one message, not four. A partial line
    goes out at flush() and before the answer that ends the request.
    """

    encoding = "utf-8"
    errors = "strict"
    line_buffering = True

    def __init__(self, to, stream, fd):
        super().__init__()
        self._to = to
        self._stream = stream
        self._fd = fd
        self._pending = []
        self._lock = threading.RLock()
        self._bytes = byte_writer(self)

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        # The descriptor the program believes it has; fd 1 now leads to standard error.
        return self._fd

    @property
    def buffer(self):
        return self._bytes

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        with self._lock:
            self._pending.append(text)
            if "\n" in text:
                self._send()
        return len(text)

    def flush(self):
        with self._lock:
            self._send()

    def _send(self):
        if self._pending:
            text = "".join(self._pending)
            self._pending = []
            self._to.log(self._stream, text)


class byte_writer(io.RawIOBase):
    """sys.stdout.buffer: bytes are decoded as UTF-8, a character split across writes too."""

    def __init__(self, text):
        super().__init__()
        self._text = text
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def writable(self):
        return True

    def write(self, data):
        self._text.write(self._decoder.decode(bytes(data)))
        return len(data)

    def flush(self):
        self._text.flush()


class invoke_clock:
    """The virtual instant and request id the logs of the current request are stamped with."""

    def __init__(self):
        self.start_ms = VIRTUAL_EPOCH_MS
        self.now_ms = VIRTUAL_EPOCH_MS
        self.request_id = ""


def install_logging(clock):
    """The root logger handler awslambdaric installs, stamped with virtual time.

    Every LogRecord (the user's own handlers' too) gets the virtual instant as its creation
    time, so a log format with %(asctime)s is the same in every run.
    """
    make_record = logging.getLogRecordFactory()

    def virtual_record(*args, **kwargs):
        record = make_record(*args, **kwargs)
        record.created = clock.now_ms / 1000.0
        record.msecs = float(clock.now_ms % 1000)
        record.relativeCreated = float(clock.now_ms - clock.start_ms)
        record.aws_request_id = clock.request_id
        return record

    logging.setLogRecordFactory(virtual_record)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
        "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler = stdout_log_handler()
    handler.setFormatter(formatter)
    logging.getLogger().addHandler(handler)


class stdout_log_handler(logging.Handler):
    def emit(self, record):
        # sys.stdout is looked up at each record: a handler that swaps sys.stdout takes the
        # logs with it, as with awslambdaric, whose log sink writes to sys.stdout.
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


class endpoint_url_patcher(importlib.abc.MetaPathFinder):
    """Makes a botocore too old to read AWS_ENDPOINT_URL* read them (PROTOCOL.md).

    Service-specific endpoints arrived in botocore 1.31 / boto3 1.28
    (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html); Debian 12 ships
    boto3 1.26. The patch goes in when the handler first imports botocore.session, so a handler
    without boto3 never loads it, and module-level clients (`sqs = boto3.client("sqs")`) are
    created after it.
    """

    def find_spec(self, name, path, target=None):
        if name != "botocore.session":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run_module = loader.exec_module

        def exec_module(module):
            run_module(module)
            patch_botocore_session(module)

        loader.exec_module = exec_module
        return spec

    def install(self):
        sys.meta_path.insert(0, self)
        # Already imported (by a .pth file or sitecustomize): patched now, before user code.
        if "botocore.session" in sys.modules:
            patch_botocore_session(sys.modules["botocore.session"])


def patch_botocore_session(session_module):
    import botocore.configprovider

    variables = getattr(botocore.configprovider, "BOTOCORE_DEFAUT_SESSION_VARIABLES", {})
    if "ignore_configured_endpoint_urls" in variables:
        return  # this botocore reads AWS_ENDPOINT_URL* itself
    import inspect

    create_client = session_module.Session.create_client
    if getattr(create_client, "pipesim_endpoint_patch", False):
        return  # patched in the fork server already
    signature = inspect.signature(create_client)

    @functools.wraps(create_client)
    def create_client_at_configured_endpoint(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        if bound.arguments.get("endpoint_url") is None:
            url = configured_endpoint_url(bound.arguments.get("self"),
                                          bound.arguments.get("service_name"),
                                          bound.arguments.get("api_version"))
            if url:
                bound.arguments["endpoint_url"] = url
        return create_client(*bound.args, **bound.kwargs)

    create_client_at_configured_endpoint.pipesim_endpoint_patch = True
    session_module.Session.create_client = create_client_at_configured_endpoint


def configured_endpoint_url(session, service_name, api_version):
    """AWS_ENDPOINT_URL_<SERVICE ID> or else AWS_ENDPOINT_URL, as newer SDKs resolve them."""
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    try:
        service_id = str(session.get_service_model(service_name, api_version).service_id)
    except Exception:
        service_id = None  # an unknown service: create_client reports it as it always does
    if service_id:
        url = os.environ.get("AWS_ENDPOINT_URL_" + service_id.replace(" ", "_").upper())
        if url:
            return url
    return os.environ.get("AWS_ENDPOINT_URL") or None


def load_handler(handler):
    """awslambdaric's _get_handler, with its error types and texts."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as e:
        raise fault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(handler, e))
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise fault("Runtime.BuiltInModuleConflict",
                        "Cannot use built-in module {} as a handler module".format(module_name))
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise fault("Runtime.ImportModuleError",
                    "Unable to import module '{}': {}".format(module_name, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise fault("Runtime.UserCodeSyntaxError",
                    "Syntax error in module '{}': {}".format(module_name, e), trace)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise fault("Runtime.HandlerNotFound",
                    "Handler '{}' missing on module '{}'".format(function_name, module_name))


def user_frames(tb):
    """The traceback without the shim's and the import machinery's frames, as format_list
    gives it (awslambdaric drops its own bootstrap frames the same way)."""
    frames = [f for f in traceback.extract_tb(tb)
              if f.filename != SHIM_FILE and not f.filename.startswith("<frozen importlib")]
    return traceback.format_list(frames)


def error_message(message_type, error_type, text, trace):
    return {"type": message_type, "errorType": error_type, "errorMessage": text,
            "stackTrace": trace if trace else []}


def error_of(message_type, e):
    if isinstance(e, fault):
        return error_message(message_type, e.error_type, e.message, e.trace)
    return error_message(message_type, type(e).__name__, str(e), user_frames(e.__traceback__))


def log_error(error):
    """The "[ERROR] Type: message" record awslambdaric writes for a failure (text format)."""
    description = "[ERROR]"
    if error["errorType"]:
        description += " " + error["errorType"]
    if error["errorMessage"]:
        if error["errorType"]:
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        if element == "":
            lines.append("")
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")


class cognito_identity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self):
        self.cognito_identity_id = None
        self.cognito_identity_pool_id = None


class lambda_context:
    """The context object awslambdaric builds (awslambdaric/lambda_context.py), its clock
    virtual: time stands still during an invoke, so the remaining time does too."""

    def __init__(self, request):
        fields = request.get("context") or {}
        env = os.environ
        self.aws_request_id = request.get("request_id")
        self.log_group_name = fields.get("log_group_name", env.get("AWS_LAMBDA_LOG_GROUP_NAME"))
        self.log_stream_name = fields.get("log_stream_name",
                                          env.get("AWS_LAMBDA_LOG_STREAM_NAME"))
        self.function_name = fields.get("function_name", env.get("AWS_LAMBDA_FUNCTION_NAME"))
        self.memory_limit_in_mb = str(fields.get("memory_limit_in_mb",
                                                 env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")))
        self.function_version = fields.get("function_version",
                                           env.get("AWS_LAMBDA_FUNCTION_VERSION"))
        self.invoked_function_arn = fields.get("invoked_function_arn")
        self.tenant_id = None
        self.client_context = None
        self.identity = cognito_identity()
        self._remaining_ms = int(request["deadline_ms"]) - int(request["now_ms"])

    def get_remaining_time_in_millis(self):
        return self._remaining_ms if self._remaining_ms > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return ("%s([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
                "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,"
                "client_context=%s,identity=%s,tenant_id=%s])"
                % ("LambdaContext", self.aws_request_id, self.log_group_name,
                   self.log_stream_name, self.function_name, self.memory_limit_in_mb,
                   self.function_version, self.invoked_function_arn, self.client_context,
                   self.identity, self.tenant_id))


def sdk_description():
    boto3 = sys.modules.get("boto3")
    version = getattr(boto3, "__version__", None)
    if version is None:
        try:
            import importlib.metadata
            version = importlib.metadata.version("boto3")
        except Exception:
            return ""
    return "boto3 " + version


def virtual_sleep(seconds):
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")


class runtime:
    def __init__(self):
        self.channel = channel()
        self.clock = invoke_clock()
        self.stdout = log_writer(self.channel, "stdout", 1)
        self.stderr = log_writer(self.channel, "stderr", 2)
        sys.stdout = self.stdout
        sys.stderr = self.stderr
        install_logging(self.clock)
        endpoint_url_patcher().install()
        # Virtual time stands still while a handler runs, so a sleep has nothing to wait for:
        # it returns at once. Without this an SDK's retry back-off (botocore's legacy mode sleeps
        # up to 16 s between attempts) would spend wall-clock time that changes nothing, and a
        # handler polling a mocked job in a sleep loop advances through the mock's replies.
        time.sleep = virtual_sleep
        # The shim's folder is not the user's: no handler module should resolve there.
        if sys.path and os.path.abspath(sys.path[0] or ".") == SHIM_DIR:
            del sys.path[0]
        self.handler = None

    def serve(self):
        while True:
            request = self.channel.read_request()
            kind = request.get("type") if isinstance(request, dict) else None
            if request is None or kind == "shutdown":
                return 0
            self.channel.open_request()
            if kind == "init" and self.handler is None:
                if not self.init(request):
                    return INIT_ERROR_EXIT_STATUS
            elif kind == "invoke" and self.handler is not None:
                self.invoke(request)
            else:
                sys.__stderr__.write("pipesim_runtime.py: unexpected request %r\n" % (kind,))
                return 2

    def finish_output(self):
        for writer in (sys.stdout, sys.stderr, self.stdout, self.stderr):
            try:
                writer.flush()
            except Exception:
                pass

    def init(self, request):
        now_ms = request.get("now_ms")
        now_ms = VIRTUAL_EPOCH_MS if now_ms is None else int(now_ms)
        self.clock.start_ms = self.clock.now_ms = now_ms
        if request.get("protocol") != PROTOCOL:
            error = error_message(
                "init_error", "Runtime.ProtocolMismatch",
                "pipesim runtime protocol %s is not spoken by this shim (it speaks %d)"
                % (request.get("protocol"), PROTOCOL), [])
            self.channel.answer(encode_json(error))
            return False
        code = request.get("code") or os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
        os.chdir(code)
        sys.path.insert(0, code)
        try:
            self.handler = load_handler(request.get("handler") or os.environ.get("_HANDLER", ""))
        except Exception as e:
            error = error_of("init_error", e)
            log_error(error)
            self.finish_output()
            self.channel.answer(encode_json(error))
            return False
        self.finish_output()
        version = "%d.%d.%d" % sys.version_info[:3]
        self.channel.answer(encode_json({"type": "ready", "protocol": PROTOCOL,
                                         "language": "python " + version,
                                         "sdk": sdk_description()}))
        return True

    def invoke(self, request):
        self.clock.now_ms = int(request["now_ms"])
        self.clock.request_id = request.get("request_id") or ""
        try:
            context = lambda_context(request)
            response = self.handler(request.get("event"), context)
            try:
                body = encode_json(response)
                body.encode("utf-8")
            except Exception as e:
                raise fault("Runtime.MarshalError", "Unable to marshal response: {}".format(e))
            answer = '{"type":"result","response":' + body + "}"
        except Exception as e:
            error = error_of("error", e)
            log_error(error)
            answer = encode_json(error)
        self.finish_output()
        self.channel.answer(answer)


def install_worker_sleep():
    """A worker program's time.sleep waits in virtual time (runtimes/PROTOCOL.md, "Worker
    programs"): it asks pipesim's endpoint to answer after that long, so a worker that polls and
    sleeps, and the SDK's retry back-off, take virtual time, not wall-clock time that moves
    nothing. Without an endpoint in the environment the real sleep stays."""
    import urllib.parse

    parsed = urllib.parse.urlsplit(os.environ.get("AWS_ENDPOINT_URL", ""))
    if not parsed.hostname or not parsed.port:
        return
    import http.client

    host, port = parsed.hostname, parsed.port

    def sleep_in_virtual_time(seconds):
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        micros = int(round(seconds * 1e6))
        if micros <= 0:
            return
        connection = http.client.HTTPConnection(host, port)
        try:
            connection.request("POST", "/", body=b"",
                               headers={"X-Pipesim-Sleep-Us": str(micros)})
            connection.getresponse().read()
        finally:
            connection.close()

    time.sleep = sleep_in_virtual_time


def run_program(argv):
    """A worker program forked from the server: runs `python script args...` as the
    interpreter would (sys.argv, sys.path[0], __main__), with the endpoint patch the server
    installed and the virtual sleep of a worker."""
    import atexit
    import runpy

    install_worker_sleep()
    script = argv[0]
    sys.argv = list(argv)
    sys.path[0:1] = [os.path.dirname(os.path.abspath(script))]
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as e:
        # As the interpreter prints it: the traceback from the script's own frames on.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != os.path.abspath(script) \
                and tb.tb_frame.f_code.co_filename != script:
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb or e.__traceback__, file=sys.stderr)
        atexit._run_exitfuncs()
        sys.stderr.flush()
        os._exit(1)
    finally:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass


def fork_server():
    """`pipesim_runtime.py --fork-server`: imports the AWS SDK once, then forks one process per
    execution environment on pipesim's request (runtimes/PROTOCOL.md, "Fork server").

    fd 0 is a SOCK_SEQPACKET socket: each request is one message. {"type": "fork", "env": [...],
    "cwd": ...} carries the environment's stdin, stdout and stderr (SCM_RIGHTS) and is answered
    {"pid": N}; the child is a fresh environment that goes on exactly as a spawned shim would.
    {"type": "reap", "pid": N, "wait_ms": W} waits up to W ms for that child, kills its process
    group after, and answers {"status": "exit status 1" | "signal: killed" | ...}.
    """
    import signal
    import socket

    server = socket.socket(fileno=0)
    endpoint_url_patcher().install()
    try:
        # What every boto3 handler does at module level, done once here: the import and the
        # service models and endpoint rules, loaded into the default session's loader cache.
        # Nothing here resolves credentials, a region or an endpoint from the environment, which
        # each environment sets for itself.
        import boto3
        session = boto3._get_default_session()
        for name in ("sagemaker", "sqs"):
            session.client(name, region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                           aws_access_key_id="preload", aws_secret_access_key="preload")
    except Exception:
        pass  # no boto3: each environment imports what it uses
    server.send(b'{"type":"ready"}')
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(server, 1 << 20, 3)
        except OSError:
            os._exit(0)
        if not data:
            os._exit(0)  # pipesim closed the socket
        request = json.loads(data)
        if request.get("type") == "fork":
            pid = os.fork()
            if pid == 0:
                environment(server, fds, request)
            for fd in fds:
                os.close(fd)
            server.send(json.dumps({"pid": pid}).encode())
        elif request.get("type") == "reap":
            server.send(json.dumps({"status": reap(int(request["pid"]),
                                                   int(request.get("wait_ms", 0)))}).encode())


def environment(server, fds, request):
    """The forked child: becomes a spawned shim's equal (own process group, the environment's
    pipes on fds 0-2, exactly its environment variables), then serves the protocol."""
    server.close()
    os.setpgid(0, 0)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    for entry in request.get("env", []):
        name, _, value = entry.partition("=")
        os.environ[name] = value
    os.chdir(request.get("cwd") or "/")
    sys.argv = sys.argv[:1]
    # The child never returns into the server's loop, and ends as a spawned shim would: a
    # handler's sys.exit(N) is exit status N, without the server's interpreter teardown.
    try:
        if request.get("argv"):
            run_program(request["argv"])
        else:
            main()
    except SystemExit as e:
        code = e.code
        if code is not None and not isinstance(code, int):
            sys.__stderr__.write(str(code) + "\n")
            code = 1
        os._exit(code or 0)
    except BaseException:
        traceback.print_exc(file=sys.__stderr__)
        os._exit(1)
    os._exit(0)


def reap(pid, wait_ms):
    import signal
    deadline = time.monotonic() + wait_ms / 1000.0
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            break
        if time.monotonic() >= deadline:
            for target in (-pid, pid):
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError:
                    pass
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.001)
    if os.WIFEXITED(status):
        return "exit status %d" % os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return "signal: killed" if sig == signal.SIGKILL else "signal: " + signal.strsignal(sig)
    return "status %d" % status


def main():
    if "--fork-server" in sys.argv[1:]:
        fork_server()
        return
    shim = runtime()
    status = shim.serve()
    shim.channel.close()
    # Lambda ends an environment without running its atexit hooks or waiting for its
    # threads; os._exit does the same, and a stuck thread cannot outlive the shutdown.
    os._exit(status)


if __name__ == "__main__":
    main()
