# Compile a BPF C source with clang and generate its libbpf skeleton into the
# build tree. No vmlinux.h: bpf/compat.bpf.h declares the few kernel fields
# the programs read, with preserve_access_index, and libbpf relocates them
# against the running kernel's BTF (CO-RE). So the build needs no BTF on the
# build host, and one build runs on every supported kernel (docs/kernels.md).
#
#   pooltag_bpf_object(NAME SOURCE [DEPENDS header...])
# defines the INTERFACE target NAME_skel that puts NAME.skel.h on the include path.

find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
else()
  message(FATAL_ERROR "pooltag: no BPF target arch for ${CMAKE_SYSTEM_PROCESSOR}")
endif()

set(BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${BPF_GEN_DIR})
# <linux/types.h> includes <asm/types.h>, which Debian keeps per architecture.
set(BPF_ASM_INCLUDE /usr/include/${CMAKE_LIBRARY_ARCHITECTURE})

function(pooltag_bpf_object name source)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  set(obj ${BPF_GEN_DIR}/${name}.bpf.o)
  set(skel ${BPF_GEN_DIR}/${name}.skel.h)
  get_filename_component(src_dir ${source} DIRECTORY)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_${BPF_TARGET_ARCH}
            -I${src_dir} -idirafter ${BPF_ASM_INCLUDE} -Wall -Werror -Wno-unused-function
            -c ${source} -o ${obj}
    DEPENDS ${source} ${ARG_DEPENDS}
    COMMENT "Compiling BPF object ${name}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS ${obj}
    COMMENT "Generating BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${BPF_GEN_DIR} ${src_dir})
endfunction()
