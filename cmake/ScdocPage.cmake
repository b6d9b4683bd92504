# Renders one man page: an scdoc source from man/ to troff, and a gzipped
# copy for installing. Run at build time by cmake/Install.cmake:
#   cmake -DSCDOC=... -DGZIP=... -DSOURCE=x.8.scd -DOUTPUT=x.8 -DVERSION=...
#         -DOVERHEAD=man/overhead.scd -P ScdocPage.cmake
# The sources name two placeholders: @VERSION@, and @OVERHEAD@, replaced by
# man/overhead.scd, the one place that holds the measured overhead figures.
cmake_minimum_required(VERSION 3.20)
foreach(var SCDOC GZIP SOURCE OUTPUT VERSION OVERHEAD)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ScdocPage.cmake: ${var} is not set")
  endif()
endforeach()

file(READ ${SOURCE} text)
file(READ ${OVERHEAD} overhead)
string(STRIP "${overhead}" overhead)
string(REPLACE "@VERSION@" "${VERSION}" text "${text}")
string(REPLACE "@OVERHEAD@" "${overhead}" text "${text}")

set(expanded ${OUTPUT}.scd)
file(WRITE ${expanded} "${text}")
execute_process(COMMAND ${SCDOC} INPUT_FILE ${expanded} OUTPUT_FILE ${OUTPUT}.tmp
                ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "scdoc failed on ${SOURCE} (expanded: ${expanded}): ${err}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
# -n: no name or time stamp in the .gz, so the package is reproducible.
execute_process(COMMAND ${GZIP} -9nc ${OUTPUT} OUTPUT_FILE ${OUTPUT}.gz RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip failed on ${OUTPUT}")
endif()
