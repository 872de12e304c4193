// pipesim's Node.js runtime shim: one Lambda execution environment running a user's handler.
//
// pipesim starts `node pipesim_runtime.mjs` and speaks the lockstep protocol of
// runtimes/PROTOCOL.md with it over standard input and output. The handler is loaded, called and
// its failures reported the way AWS Lambda's Node.js runtime interface client does
// (https://github.com/aws/aws-lambda-nodejs-runtime-interface-client, src/UserFunction.js,
// Runtime.js, CallbackContext.js, LogPatch.js, Errors.js;
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html), so the user's code runs
// unchanged. No dependencies: the handler's own are its business. Runs on Node.js 18 and later.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { StringDecoder } from 'node:string_decoder';

const protocol = 1;
const virtual_epoch_ms = 1767225600000; // virtual time 0, 2026-01-01T00:00:00Z (PROTOCOL.md)
const init_error_exit_status = 129; // the RIC posts an init error, then exits 129
const shim_file = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);
// Where the RIC keeps the current request id for its log lines (LogPatch.js).
const request_id_symbol = Symbol.for('aws.lambda.runtime.requestId');

// ---- the protocol's end of fd 1 ----

const nap = new Int32Array(new SharedArrayBuffer(4));

// Synchronous, so a log line is on the pipe before the handler's next HTTP request is sent
// (pipesim records what it finds on the pipe first). fd 1 may be non-blocking once Node has
// opened process.stdout on it: EAGAIN means pipesim has not read yet, so wait and retry.
function write_line(text) {
  const data = Buffer.from(text + '\n', 'utf8');
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(1, data, offset, data.length - offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
      Atomics.wait(nap, 0, 0, 1);
    }
  }
}

const lone_surrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// JSON.stringify escapes a lone surrogate as \udXXX, which strict parsers (pipesim's) refuse.
function well_formed(text) {
  return text.replace(lone_surrogate, '\ufffd');
}

function well_formed_strings(_key, value) {
  return typeof value === 'string' ? well_formed(value) : value;
}

const channel = {
  open: false, // a request is open: the shim may write
  closed: false,
  held: [], // logs written while no request was open (work left running after an answer)

  begin() {
    this.open = true;
    const held = this.held;
    this.held = [];
    for (const line of held) write_line(line);
  },

  log(stream, text) {
    if (this.closed || text === '') return;
    const line = JSON.stringify({ type: 'log', stream, text: well_formed(text) });
    // Lockstep: the shim never writes unprompted. Lambda would have frozen this work; it
    // shows up in the next request, as thawed work would.
    if (this.open) write_line(line);
    else this.held.push(line);
  },

  answer(message) {
    write_line(JSON.stringify(message, well_formed_strings));
    this.open = false;
  },

  // Held logs cannot be sent any more; standard error (whose tail pipesim keeps) gets them.
  spill() {
    for (const line of this.held) fs.writeSync(2, line + '\n');
    this.held = [];
  },
};

// ---- the handler's output ----

function capture(stream, name) {
  const decoder = new StringDecoder('utf8');
  stream.write = function write(chunk, encoding, done) {
    if (typeof encoding === 'function') {
      done = encoding;
      encoding = undefined;
    }
    let text;
    if (typeof chunk === 'string') {
      const utf8 = !encoding || encoding === 'utf8' || encoding === 'utf-8';
      text = utf8 ? chunk : decoder.write(Buffer.from(chunk, encoding));
    } else {
      text = decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    channel.log(name, text);
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}

const clock = { now_ms: virtual_epoch_ms, deadline_ms: virtual_epoch_ms };

// The RIC's text log format (LogPatch.js), its timestamp the virtual instant of the request.
function patch_console() {
  const levels = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
  const configured = levels[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? levels.TRACE;
  const logger = (level) => {
    if (levels[level] < configured) return () => {};
    return (message, ...params) => {
      const time = new Date(clock.now_ms).toISOString();
      const request_id = globalThis[request_id_symbol];
      const text = util.format(message, ...params);
      process.stdout.write(`${time}\t${request_id}\t${level}\t${text}`.replace(/\n/g, '\r') + '\n');
    };
  };
  console.trace = logger('TRACE');
  console.debug = logger('DEBUG');
  console.info = logger('INFO');
  console.log = console.info;
  console.warn = logger('WARN');
  console.error = logger('ERROR');
  console.fatal = logger('FATAL');
}

// ---- errors, as the RIC reports them (Errors.js) ----

// Named on the prototype, as the RIC's classes are: the name heads the stack and stays out of
// the error's enumerable properties.
const runtime_errors = Object.fromEntries([
  'ImportModuleError', 'HandlerNotFound', 'MalformedHandlerName', 'UserCodeSyntaxError',
  'NodeJsExit', 'UnhandledPromiseRejection',
].map((name) => {
  const type = class extends Error {};
  type.prototype.name = `Runtime.${name}`;
  return [name, type];
}));

function runtime_error(name, message, cause) {
  const error = new runtime_errors[name](message);
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause });
  return error;
}

function is_error_like(value) {
  return value && typeof value.name === 'string' && typeof value.message === 'string' &&
    typeof value.stack === 'string' && value.name && value.message && value.stack;
}

// Node's internals and the shim are no part of the user's story, and their line numbers
// change with the Node.js version: the trace keeps the user's frames.
function trace_lines(stack) {
  if (typeof stack !== 'string') return [];
  const lines = stack.split('\n').filter((line) => !line.includes(shim_file) &&
    !/\(node:[^)]*\)$/.test(line) && !/^\s+at node:/.test(line));
  // "Require stack:" whose only entry was the shim.
  return lines.filter((line, i) => line !== 'Require stack:' || /^- /.test(lines[i + 1] ?? ''));
}

function error_fields(error) {
  try {
    if (util.types.isNativeError(error) || is_error_like(error)) {
      const cause = error.cause;
      const stack = cause !== undefined && cause !== null && typeof cause.stack === 'string'
        ? cause.stack : error.stack;
      return { errorType: error.name, errorMessage: error.message, stackTrace: trace_lines(stack) };
    }
    return { errorType: typeof error, errorMessage: error.toString(), stackTrace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while ' +
        'retrieving one or more of its message, name, and stack',
      stackTrace: [],
    };
  }
}

// The RIC logs a failure as console.error(what, '\t' + JSON of the error).
function log_failure(what, error) {
  const enumerable = (_key, value) => {
    if (!(value instanceof Error)) return value;
    const copy = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: value.code }, value);
    if (typeof value.stack === 'string') copy.stack = trace_lines(value.stack);
    delete copy.cause;
    return copy;
  };
  let formatted;
  try {
    formatted = JSON.stringify(error, enumerable);
  } catch {
    formatted = JSON.stringify(error_fields(error));
  }
  console.error(what, '\t' + formatted);
}

// ---- loading the handler (UserFunction.js) ----

function package_type_is_module(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const file = path.join(folder, 'package.json');
  if (fs.existsSync(file)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg) return pkg.type === 'module';
    } catch (err) {
      console.warn(`${file} cannot be read, it will be ignored for ES module detection ` +
        'purposes.', err);
      return false;
    }
  }
  if (folder === '/') return false;
  return package_type_is_module(path.resolve(folder, '..'));
}

function try_require(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function try_import(file) {
  return fs.existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

// The RIC's search order: the name as given, then .js (CommonJS unless the nearest
// package.json says "type": "module"), .mjs, .cjs, then Node's own resolution from the code
// directory. TypeScript handlers (Node.js 24's runtimes) are not loaded.
async function load_module(code_dir, module_root, module) {
  const file = path.resolve(code_dir, module_root, module);
  const exact = try_require(file);
  if (exact) return exact;
  const esm = package_type_is_module(path.dirname(file));
  if (!esm) {
    const loaded = try_require(file + '.js');
    if (loaded) return loaded;
  }
  const loaded = (esm && (await try_import(file + '.js'))) ||
    (await try_import(file + '.mjs')) || try_require(file + '.cjs');
  if (loaded) return loaded;
  return require(require.resolve(module, { paths: [code_dir, module_root] }));
}

// Node names the shim as the requiring module; Lambda's own runtime would be named there.
function without_shim(text) {
  return text.split('\n').filter((line) => line !== `- ${shim_file}`).join('\n')
    .replace(/\nRequire stack:$/, '');
}

async function load_handler(code_dir, full_name) {
  if (full_name.includes('..')) {
    throw runtime_error('MalformedHandlerName', `'${full_name}' is not a valid handler name. ` +
      'Use absolute paths when specifying root directories in handler names.');
  }
  const handler_string = path.basename(full_name);
  const module_root = full_name.substring(0, full_name.indexOf(handler_string));
  const match = handler_string.match(/^([^.]*)\.(.*)$/);
  if (!match) throw runtime_error('MalformedHandlerName', 'Bad handler');
  const [, module, handler_path] = match;
  let app;
  try {
    app = await load_module(code_dir, module_root, module);
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw runtime_error('UserCodeSyntaxError', String(err), err);
    }
    // ERR_MODULE_NOT_FOUND is an ES module's missing import, which Lambda reports the same way.
    if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) {
      throw runtime_error('ImportModuleError', without_shim(String(err)), err);
    }
    throw err;
  }
  const handler = handler_path.split('.').reduce((object, key) => object && object[key], app);
  if (!handler) {
    throw runtime_error('HandlerNotFound', `${full_name} is undefined or not exported`);
  }
  if (typeof handler !== 'function') {
    throw runtime_error('HandlerNotFound', `${full_name} is not a function`);
  }
  return handler;
}

function sdk_description(code_dir) {
  const roots = [];
  for (let dir = path.resolve(code_dir); ; dir = path.dirname(dir)) {
    roots.push(path.join(dir, 'node_modules'));
    if (dir === path.dirname(dir)) break;
  }
  for (const entry of (process.env.NODE_PATH || '').split(path.delimiter)) {
    if (entry) roots.push(entry);
  }
  const found = [];
  for (const name of ['@aws-sdk/client-sqs', '@aws-sdk/client-sagemaker']) {
    for (const root of roots) {
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8'));
        found.push(`${name} ${pkg.version}`);
        break;
      } catch {
        // not in this folder
      }
    }
  }
  return found.join(', ');
}

// ---- the request loop ----

const state = {
  phase: 'starting', // 'init', 'idle', 'invoke'
  handler: null,
  is_async: false,
  before_exit: null, // what an empty event loop means for the open invoke
};

// While an invoke is open standard input must not keep the event loop alive: Lambda's
// "wait for an empty event loop" (callback handlers, handlers that never answer) is Node's
// 'beforeExit', which fires only when nothing else is left.
function hold_loop(hold) {
  if (hold) process.stdin.ref?.();
  else process.stdin.unref?.();
}

process.on('beforeExit', () => {
  const then = state.before_exit;
  state.before_exit = null;
  if (then) then();
});

function end_request(message) {
  channel.answer(message);
  state.phase = 'idle';
  state.before_exit = null;
  hold_loop(true);
  setImmediate(pump);
}

async function init(request) {
  state.phase = 'init';
  clock.now_ms = clock.deadline_ms = Number(request.now_ms ?? virtual_epoch_ms);
  if (request.protocol !== protocol) {
    channel.answer({
      type: 'init_error', errorType: 'Runtime.ProtocolMismatch',
      errorMessage: `pipesim runtime protocol ${request.protocol} is not spoken by this shim ` +
        `(it speaks ${protocol})`,
      stackTrace: [],
    });
    process.exit(init_error_exit_status);
  }
  const code_dir = request.code || process.env.LAMBDA_TASK_ROOT || process.cwd();
  process.chdir(code_dir);
  try {
    state.handler = await load_handler(code_dir, request.handler || process.env._HANDLER || '');
  } catch (err) {
    log_failure('Uncaught Exception', err);
    channel.answer({ type: 'init_error', ...error_fields(err) });
    process.exit(init_error_exit_status);
  }
  state.is_async = state.handler.constructor?.name === 'AsyncFunction';
  if (process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined &&
      state.handler.length === 3 && !state.is_async) {
    console.warn('AWS Lambda plans to remove support for callback-based function handlers ' +
      'starting with Node.js 24. You will need to update this function to use an async ' +
      'handler to use Node.js 24 or later. For more information and to provide feedback on ' +
      'this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/' +
      'issues/137. To disable this warning, set the ' +
      'AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.');
  }
  end_request({
    type: 'ready', protocol, language: `node ${process.version}`,
    sdk: sdk_description(code_dir),
  });
}

// The callback, succeed/fail/done and the rule that only the first of them counts
// (CallbackContext.js). A call that comes after its invoke was answered (by the empty event
// loop) must not touch the next invoke's state.
function callback_context(answer_result, answer_error, is_open) {
  let waits_for_empty_event_loop = true;
  let finished = false;
  const once = (f) => (...args) => {
    if (finished) return;
    f(...args);
    finished = true;
  };
  const post_error = (err) => {
    log_failure('Invoke Error', err instanceof Error ? err : new Error(err));
    answer_error(err);
  };
  const callback = (err, result) => {
    if (!is_open()) return;
    state.before_exit = null;
    if (err !== undefined && err !== null) post_error(err);
    else if (!waits_for_empty_event_loop) answer_result(result);
    else state.before_exit = () => setImmediate(() => answer_result(result));
  };
  const done = (err, result) => {
    if (!is_open()) return;
    state.before_exit = null;
    if (err !== undefined && err !== null) post_error(err);
    else answer_result(result);
  };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waits_for_empty_event_loop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waits_for_empty_event_loop = value;
    },
    succeed: once((result) => done(null, result)),
    fail: once((err) => done(err === undefined || err === null ? 'handled' : err, null)),
    done: once(done),
  };
  return { callback: once(callback), context, post_error };
}

function invoke(request) {
  state.phase = 'invoke';
  clock.now_ms = Number(request.now_ms);
  clock.deadline_ms = Number(request.deadline_ms);
  globalThis[request_id_symbol] = request.request_id;
  let answered = false;
  const answer = (message) => {
    if (answered) return;
    answered = true;
    end_request(message);
  };
  const answer_result = (result) => {
    let body;
    try {
      body = JSON.stringify(result === undefined ? null : result, well_formed_strings);
    } catch {
      throw new Error('Unable to stringify response body'); // as the RIC's RAPIDClient
    }
    answer({ type: 'result', response: body === undefined ? null : JSON.parse(body) });
  };
  const answer_error = (err) => answer({ type: 'error', ...error_fields(err) });
  const { callback, context, post_error } =
    callback_context(answer_result, answer_error, () => !answered);
  const fields = request.context || {};
  const env = process.env;
  const remaining_ms = clock.deadline_ms - clock.now_ms;
  Object.assign(context, {
    functionVersion: fields.function_version ?? env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: fields.function_name ?? env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: String(fields.memory_limit_in_mb ?? env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE),
    logGroupName: fields.log_group_name ?? env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: fields.log_stream_name ?? env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: undefined,
    identity: undefined,
    invokedFunctionArn: fields.invoked_function_arn,
    awsRequestId: request.request_id,
    tenantId: undefined,
    // Virtual time stands still while the handler runs.
    getRemainingTimeInMillis: () => remaining_ms,
  });
  // A handler that neither answers nor leaves work behind (RIC Runtime.js): a non-async one
  // succeeds with null, an async one whose promise never settles fails.
  state.before_exit = () => {
    if (!state.is_async) {
      answer_result(null);
      return;
    }
    post_error(runtime_error('NodeJsExit', 'The Lambda runtime client detected an unexpected ' +
      'Node.js exit code. This is most commonly caused by a Promise that was never settled. ' +
      'For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes'));
  };
  hold_loop(false);
  try {
    const result = state.handler(request.event, context, callback);
    if (result && typeof result.then === 'function') {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (err) {
    callback(err);
  }
}

// Lambda posts the error and ends the environment (exit 129, or 128 for a rejection nobody
// handled). During an invoke the shim only exits: pipesim reports Runtime.ExitError.
function crash(what, error, status) {
  log_failure(what, error);
  if (state.phase === 'init') channel.answer({ type: 'init_error', ...error_fields(error) });
  else if (!channel.open) channel.spill();
  process.exit(status);
}

process.on('uncaughtException', (error) => crash('Uncaught Exception', error, 129));
process.on('unhandledRejection', (reason) => {
  const error = runtime_error('UnhandledPromiseRejection',
    reason === undefined ? '' : String(reason));
  crash('Unhandled Promise Rejection', error, 128);
});

const queue = [];

function pump() {
  while (queue.length > 0 && (state.phase === 'starting' || state.phase === 'idle')) {
    const request = JSON.parse(queue.shift());
    if (request.type === 'shutdown') stop();
    channel.begin();
    if (request.type === 'init' && state.phase === 'starting') {
      init(request).catch((err) => crash('Uncaught Exception', err, 129));
    } else if (request.type === 'invoke' && state.phase === 'idle') {
      invoke(request);
    } else {
      fs.writeSync(2, `pipesim_runtime.mjs: unexpected request ${JSON.stringify(request.type)}\n`);
      process.exit(2);
    }
  }
}

// Lambda ends an environment without waiting for its timers or sockets.
function stop() {
  channel.closed = true;
  process.exit(0);
}

function read_requests() {
  const chunks = [];
  process.stdin.on('data', (chunk) => {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      chunks.push(chunk.subarray(start, nl));
      queue.push(Buffer.concat(chunks).toString('utf8'));
      chunks.length = 0;
      start = nl + 1;
    }
    if (start < chunk.length) chunks.push(chunk.subarray(start));
    pump();
  });
  // End of file is a shutdown, after whatever requests came before it.
  process.stdin.on('end', () => {
    queue.push('{"type":"shutdown"}');
    pump();
  });
}

capture(process.stdout, 'stdout');
capture(process.stderr, 'stderr');
patch_console();
read_requests();
