# Checks that every bundled scenario, run with the seed written next to it, produces the trace
# digest committed in digests.txt. The file is the cross-machine promise: the same seed and
# scenario give a byte-identical trace with any compiler on any machine, so CI runs this check
# against g++ and clang++ builds and both must match the same committed digests.
#
#   cmake -DPIPESIM=<pipesim executable> -DSOURCE_DIR=<repository> [-DWORK_DIR=<dir>] [-DUPDATE=ON]
#         -P tests/scenarios/check_digests.cmake
#
# UPDATE=ON rewrites digests.txt from the current build (only when a change of behaviour is
# intended; say why in the commit). Every scenario under scenarios/library, scenarios/bugs,
# scenarios/lambda and examples/ must have a line, so a new bundled scenario cannot go unpinned.
cmake_minimum_required(VERSION 3.20)
foreach(var IN ITEMS PIPESIM SOURCE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_digests.cmake: pass -D${var}=...")
  endif()
endforeach()
if(NOT DEFINED WORK_DIR)
  set(WORK_DIR ${CMAKE_CURRENT_BINARY_DIR})
endif()
set(digests_file ${SOURCE_DIR}/tests/scenarios/digests.txt)

file(GLOB bundled RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/scenarios/library/*.json
     ${SOURCE_DIR}/scenarios/bugs/*.json ${SOURCE_DIR}/scenarios/lambda/*.json
     ${SOURCE_DIR}/examples/*.json)
list(SORT bundled)

# digests.txt: "<path relative to the repository> <seed> <digest>" per line; '#' starts a comment.
set(pinned_paths "")
if(EXISTS ${digests_file})
  file(STRINGS ${digests_file} lines)
  foreach(line IN LISTS lines)
    if(line MATCHES "^#" OR line STREQUAL "")
      continue()
    endif()
    if(NOT line MATCHES "^([^ ]+) ([0-9]+) ([0-9a-f]+)$")
      message(FATAL_ERROR "${digests_file}: malformed line '${line}' (expected: path seed digest)")
    endif()
    list(APPEND pinned_paths ${CMAKE_MATCH_1})
    set(seed_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
    set(digest_${CMAKE_MATCH_1} ${CMAKE_MATCH_3})
  endforeach()
endif()

# The seed a scenario runs with by default: its own "seed" field, else 1 (as `pipesim run`).
function(default_seed path out)
  file(READ ${SOURCE_DIR}/${path} text)
  string(JSON seed ERROR_VARIABLE err GET "${text}" seed)
  if(err)
    set(seed 1)
  endif()
  set(${out} ${seed} PARENT_SCOPE)
endfunction()

# Runs one scenario with --trace and returns the digest from the trace's end line.
function(trace_digest path seed out)
  string(MAKE_C_IDENTIFIER "${path}" stem)
  set(trace ${WORK_DIR}/digest_${stem}.jsonl)
  file(REMOVE ${trace})
  execute_process(COMMAND ${PIPESIM} run ${SOURCE_DIR}/${path} --seed ${seed} --trace ${trace}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  # Exit 1 is a scenario whose checks fail on purpose (the negative scenarios); its trace is
  # still complete and pinned. Anything else is a broken run.
  if(NOT (rc EQUAL 0 OR rc EQUAL 1) OR NOT EXISTS ${trace})
    message(FATAL_ERROR "${path}: pipesim run exited ${rc}: ${err}")
  endif()
  file(STRINGS ${trace} trace_lines)
  list(GET trace_lines -1 end_line)
  string(JSON digest ERROR_VARIABLE err GET "${end_line}" digest)
  if(err)
    message(FATAL_ERROR "${path}: the trace's last line has no digest: ${end_line}")
  endif()
  file(REMOVE ${trace})
  set(${out} ${digest} PARENT_SCOPE)
endfunction()

set(failures 0)
set(updated "# Trace digest of every bundled scenario with its default seed: path seed digest.\n")
string(APPEND updated "# Checked by tests/scenarios/check_digests.cmake (CTest and CI, g++ and clang++).\n")
foreach(path IN LISTS bundled)
  if(path IN_LIST pinned_paths)
    set(seed ${seed_${path}})
  else()
    default_seed(${path} seed)
  endif()
  trace_digest(${path} ${seed} digest)
  string(APPEND updated "${path} ${seed} ${digest}\n")
  if(NOT path IN_LIST pinned_paths)
    message("UNPINNED ${path}: seed ${seed} gives digest ${digest}; add it to tests/scenarios/digests.txt")
    math(EXPR failures "${failures} + 1")
  elseif(NOT digest STREQUAL digest_${path})
    message("CHANGED  ${path}: seed ${seed} gives digest ${digest}, pinned ${digest_${path}}")
    math(EXPR failures "${failures} + 1")
  else()
    message("same     ${path}: seed ${seed} digest ${digest}")
  endif()
endforeach()
foreach(path IN LISTS pinned_paths)
  if(NOT path IN_LIST bundled)
    message("GONE     ${path}: pinned but no longer bundled; remove its line")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()

if(UPDATE)
  file(WRITE ${digests_file} "${updated}")
  message("wrote ${digests_file}")
elseif(failures GREATER 0)
  message(FATAL_ERROR "${failures} scenario digest(s) differ from tests/scenarios/digests.txt")
else()
  list(LENGTH bundled n)
  message("all ${n} scenario digests match tests/scenarios/digests.txt")
endif()
