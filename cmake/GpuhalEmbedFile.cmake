# cmake -DINPUT=<file> -DOUTPUT=<file.cc> -DSYMBOL=<name> -DNAMESPACE=<ns> -P GpuhalEmbedFile.cmake
# Writes a C++ source that defines `const char SYMBOL[]` (the file's bytes plus a NUL) and
# `const size_t SYMBOL_size` (the byte count without the NUL), in namespace NAMESPACE.
# A byte array rather than a raw string literal: PTX or a container may hold any byte
# sequence, and compilers cap the length of a single string literal.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
# Character literals ('\xNN'), which fit a char whatever its signedness.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by GpuhalEmbedFile.cmake; do not edit.\n"
  "#include <cstddef>\n"
  "namespace ${NAMESPACE} {\n"
  "extern const char ${SYMBOL}[];\n"
  "extern const size_t ${SYMBOL}_size;\n"
  "alignas(8) const char ${SYMBOL}[] = {\n${bytes}0x00};\n"
  "const size_t ${SYMBOL}_size = ${byte_count};\n"
  "}  // namespace ${NAMESPACE}\n")
# Only touch the output when it changes, so an unchanged input rebuilds nothing.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
