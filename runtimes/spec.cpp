// Runtime names, handler lookup and the shims' location (see spec.hpp).
#include "runtimes/spec.hpp"

#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

namespace runtimes {

namespace {

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

const std::vector<std::string>& runtime_names() {
  // https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
  static const std::vector<std::string> names{
      "python",     "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
      "python3.14", "node",      "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"};
  return names;
}

std::optional<language> language_of(const std::string& runtime) {
  for (const std::string& n : runtime_names()) {
    if (n == runtime) return starts_with(n, "python") ? language::python : language::node;
  }
  return std::nullopt;
}

std::string execution_env(const runtime_spec& spec) {
  if (spec.runtime == "python") return "AWS_Lambda_python3.12";
  if (spec.runtime == "node") return "AWS_Lambda_nodejs20.x";
  return "AWS_Lambda_" + spec.runtime;
}

located locate_handler(language lang, const std::string& code_dir, const std::string& handler) {
  if (!is_dir(code_dir)) return {"", "the code directory " + code_dir + " does not exist"};
  const std::string dir = code_dir.back() == '/' ? code_dir : code_dir + "/";
  if (lang == language::python) {
    // Lambda's Python runtime splits "path/to/module.function" at the last dot.
    const std::size_t dot = handler.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == handler.size()) {
      return {"", "Runtime.MalformedHandlerName: Bad handler '" + handler +
                      "': expected \"module.function\""};
    }
    std::string module = handler.substr(0, dot);
    for (char& ch : module) {
      if (ch == '.') ch = '/';
    }
    if (is_file(dir + module + ".py")) return {dir + module + ".py", ""};
    if (is_file(dir + module + "/__init__.py")) return {dir + module + "/__init__.py", ""};
    return {"", "Runtime.ImportModuleError: Unable to import module '" + handler.substr(0, dot) +
                    "': no " + dir + module + ".py"};
  }
  // Lambda's Node.js runtime: the module is up to the first dot after the last slash; the rest
  // is the export path.
  const std::size_t slash = handler.rfind('/');
  const std::size_t dot = handler.find('.', slash == std::string::npos ? 0 : slash + 1);
  if (dot == std::string::npos || dot + 1 == handler.size() ||
      dot == (slash == std::string::npos ? 0 : slash + 1)) {
    return {"", "Runtime.MalformedHandlerName: Bad handler '" + handler +
                    "': expected \"file.export\""};
  }
  const std::string module = handler.substr(0, dot);
  for (const char* ext : {".js", ".mjs", ".cjs"}) {
    if (is_file(dir + module + ext)) return {dir + module + ext, ""};
  }
  return {"", "Runtime.ImportModuleError: Error: Cannot find module '" + module + "': no " + dir +
                  module + ".js, .mjs or .cjs"};
}

bool on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = dirs.find(':', start);
    const std::string d =
        dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!d.empty() && ::access((d + "/" + program).c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

std::string shim_path(language lang) {
  const std::string tail =
      lang == language::python ? "/python/pipesim_runtime.py" : "/node/pipesim_runtime.mjs";
  std::vector<std::string> roots;
  if (const char* env = std::getenv("PIPESIM_RUNTIMES")) roots.emplace_back(env);
  roots.emplace_back(PIPESIM_INSTALLED_RUNTIMES_DIR);
  roots.emplace_back(PIPESIM_SOURCE_RUNTIMES_DIR);
  for (const std::string& r : roots) {
    if (!r.empty() && is_file(r + tail)) return r + tail;
  }
  return {};
}

}  // namespace runtimes
