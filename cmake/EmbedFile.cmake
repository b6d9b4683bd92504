# Writes a C++ source defining a function that returns a file's bytes:
#   cmake -DINPUT=file -DOUTPUT=out.cpp -DFUNCTION=name [-DNAMESPACE=ns] -P EmbedFile.cmake
# A byte array rather than a raw string literal: the file may hold any
# delimiter a raw string could choose.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" length)
math(EXPR size "${length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
get_filename_component(name ${INPUT} NAME)
file(WRITE ${OUTPUT} "// Generated from ${name} by cmake/EmbedFile.cmake: do not edit.
#include <string_view>
namespace ${NAMESPACE} {
namespace {
const unsigned char kBytes[] = {
${bytes}0};
}  // namespace
std::string_view ${FUNCTION}() { return {reinterpret_cast<const char *>(kBytes), ${size}}; }
}  // namespace ${NAMESPACE}
")
