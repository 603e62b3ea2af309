# Run one libFuzzer harness for a bounded time on a copy of its corpus,
# so that the corpus in the repository is never modified.
#
#   cmake -DFUZZER=path -DCORPUS=dir -DWORK=dir -DSECONDS=n -P run_fuzzer.cmake
#
# Fails if the harness reports a crash, a leak, a timeout or an invariant
# violation; the input is then in WORK (crash-*, leak-*, timeout-*).
foreach(var FUZZER CORPUS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: ${var} not set")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
file(GLOB seeds ${CORPUS}/*)
if(seeds)
  file(COPY ${seeds} DESTINATION ${WORK}/corpus)
endif()

# -close_fd_mask=2 keeps the harness's stderr (backends explaining why a
# file was refused) out of the log; libFuzzer and the sanitizers still
# report on their own copy of it.
execute_process(
  COMMAND ${FUZZER} ${WORK}/corpus
          -max_total_time=${SECONDS} -timeout=25 -rss_limit_mb=2048
          -max_len=4096 -close_fd_mask=2 -print_final_stats=1
          -artifact_prefix=${WORK}/
  WORKING_DIRECTORY ${WORK}
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(GLOB found ${WORK}/crash-* ${WORK}/leak-* ${WORK}/timeout-*
       ${WORK}/oom-*)
  message(FATAL_ERROR "${FUZZER} failed (${status}); input: ${found}")
endif()
