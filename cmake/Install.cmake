# Installing pooltag as a system tool, and its Debian package (issue 7).
#
#   cmake --install build [--prefix /usr]     (make install)
#   cd build && cpack -G DEB                  (make deb)
#
# Layout under the prefix: sbin/pooltag, share/pooltag/pooltag.txt and pooltag.rules.yml,
# share/man/man{5,8}/*.gz, share/bash-completion/completions/pooltag,
# lib/systemd/system/pooltag.service, pooltag-export.service and
# pooltag-record.service; and
# /etc/default/pooltag, which is outside the prefix because systemd and
# Debian look for it there.
# Included last from the top-level CMakeLists.txt; its tests are
# tests/package/.
include(GNUInstallDirs)

set(POOLTAG_SYSCONFDIR "/etc" CACHE PATH
    "Where default/pooltag is installed and where pooltag.service reads it (absolute; DESTDIR applies)")
set(POOLTAG_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "Where pooltag.service is installed, relative to the prefix")
set(POOLTAG_BASH_COMPLETIONDIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" CACHE STRING
    "Where the bash completion is installed, relative to the prefix")

# The binary, the example tag file, the completion.
install(TARGETS pooltag RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/tags/pooltag.txt DESTINATION ${CMAKE_INSTALL_DATADIR}/pooltag)
# Prometheus rules for pooltag export's metrics (docs/export.md).
install(FILES ${CMAKE_SOURCE_DIR}/prometheus/pooltag.rules.yml DESTINATION ${CMAKE_INSTALL_DATADIR}/pooltag)
install(FILES ${CMAKE_SOURCE_DIR}/completions/pooltag.bash DESTINATION ${POOLTAG_BASH_COMPLETIONDIR}
        RENAME pooltag)

# Man pages: every man/NAME.SECTION.scd becomes NAME.SECTION (troff, for the
# render test) and NAME.SECTION.gz (installed). Other .scd files in man/ are
# fragments the pages include (overhead.scd).
find_program(SCDOC scdoc)
find_program(GZIP gzip REQUIRED)
if(NOT SCDOC)
  message(FATAL_ERROR "pooltag: scdoc not found, the man pages need it (scripts/install-deps.sh installs it)")
endif()
set(POOLTAG_MAN_BUILD_DIR ${CMAKE_BINARY_DIR}/man)
file(MAKE_DIRECTORY ${POOLTAG_MAN_BUILD_DIR})
file(GLOB POOLTAG_MAN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/man/*.scd)
list(FILTER POOLTAG_MAN_SOURCES INCLUDE REGEX "\\.[1-9]\\.scd$")
set(POOLTAG_MAN_PAGES)
foreach(source ${POOLTAG_MAN_SOURCES})
  get_filename_component(file_name ${source} NAME)
  string(REGEX REPLACE "\\.scd$" "" page ${file_name})
  string(REGEX MATCH "[1-9]$" section ${page})
  set(out ${POOLTAG_MAN_BUILD_DIR}/${page})
  add_custom_command(
    OUTPUT ${out} ${out}.gz
    COMMAND ${CMAKE_COMMAND} -DSCDOC=${SCDOC} -DGZIP=${GZIP} -DSOURCE=${source} -DOUTPUT=${out}
            -DVERSION=${PROJECT_VERSION} -DOVERHEAD=${CMAKE_SOURCE_DIR}/man/overhead.scd
            -P ${CMAKE_SOURCE_DIR}/cmake/ScdocPage.cmake
    DEPENDS ${source} ${CMAKE_SOURCE_DIR}/man/overhead.scd ${CMAKE_SOURCE_DIR}/cmake/ScdocPage.cmake
    COMMENT "Rendering man page ${page}"
    VERBATIM)
  install(FILES ${out}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  list(APPEND POOLTAG_MAN_PAGES ${out})
endforeach()
add_custom_target(pooltag_man ALL DEPENDS ${POOLTAG_MAN_PAGES})

# /etc/default/pooltag: options for the unit.
install(FILES ${CMAKE_SOURCE_DIR}/systemd/pooltag.default DESTINATION ${POOLTAG_SYSCONFDIR}/default RENAME pooltag)

# The unit names the binary by absolute path, which is known only at install
# time (cmake --install --prefix, CPack's /usr), so it is written then,
# straight into the destination (DESTDIR honoured, as CPack stages with it).
install(CODE "
  set(POOLTAG_SBINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}\")
  set(POOLTAG_SYSCONFDIR \"${POOLTAG_SYSCONFDIR}\")
  foreach(name pooltag pooltag-export pooltag-record)
    set(unit \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${POOLTAG_SYSTEMD_UNITDIR}/\${name}.service\")
    message(STATUS \"Installing: \${unit}\")
    configure_file(\"${CMAKE_SOURCE_DIR}/systemd/\${name}.service.in\" \"\${unit}\" @ONLY)
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${unit}\")
  endforeach()
")

# The Debian package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pooltag)
set(CPACK_PACKAGE_VENDOR "pooltag")
set(CPACK_PACKAGE_CONTACT "pooltag maintainers <maintainers@users.noreply.r-seed-447adf1e.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "find Linux kernel memory leaks by pool tag, as on Windows")
set(CPACK_PACKAGE_DESCRIPTION
    "pooltag counts kernel heap allocations per allocation site with BPF programs on the\n"
    "kernel's allocation tracepoints, keeps the counts pinned in the BPF filesystem, and\n"
    "shows them per tag like WinDbg's !poolused, so a leak shows up as a tag that only\n"
    "grows. Includes man pages, bash completion, an example tag file, a systemd unit\n"
    "that enables tagging at boot, and a Prometheus exporter (pooltag export) with its\n"
    "own unit and alert rules.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
# DESTDIR staging: /etc/default/pooltag is an absolute destination, and the
# unit must see /usr, not the staging directory, as its prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
# Package what is built: cpack (and the package tests) must not rebuild the
# tree; `make deb` builds first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the libraries the binary links (dpkg-shlibdeps): libbpf1,
# libelf1, zlib1g, libfmt, the C++ runtime; nothing it does not link.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
# /etc/default/pooltag is the admin's: upgrades keep their edits.
file(WRITE ${CMAKE_BINARY_DIR}/packaging/conffiles "${POOLTAG_SYSCONFDIR}/default/pooltag\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/packaging/conffiles ${CMAKE_SOURCE_DIR}/packaging/deb/postinst
    ${CMAKE_SOURCE_DIR}/packaging/deb/prerm ${CMAKE_SOURCE_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

if(BUILD_TESTING)
  add_subdirectory(${CMAKE_SOURCE_DIR}/tests/package ${CMAKE_BINARY_DIR}/tests/package)
endif()
