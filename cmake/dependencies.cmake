# Every outside dependency, found once, as an imported target the rest of the build links.
# All come from Debian 12's packages (ci/setup.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(JSONCPP REQUIRED IMPORTED_TARGET jsoncpp)
find_package(cppzmq REQUIRED)
find_package(Protobuf REQUIRED)

# DPDK's pkg-config cflags end in -march=corei7, which would silently override the
# project's own target; keep every other flag, and only the SSE4.2 its inline headers
# (rte_memcpy) need. Its headers are system headers: the project's warnings (-Wpedantic,
# -Wconversion) are for its own code.
pkg_check_modules(DPDK REQUIRED libdpdk)
set(picket_dpdk_cflags ${DPDK_CFLAGS})
list(FILTER picket_dpdk_cflags EXCLUDE REGEX "^-march=|^-I")
add_library(picket::dpdk INTERFACE IMPORTED)
target_compile_options(picket::dpdk INTERFACE ${picket_dpdk_cflags} -msse4.2)
target_include_directories(picket::dpdk SYSTEM INTERFACE ${DPDK_INCLUDE_DIRS})
target_link_libraries(picket::dpdk INTERFACE ${DPDK_LINK_LIBRARIES} ${DPDK_LDFLAGS_OTHER})

# XRT ships no CMake package and its xrt.pc is broken (/usr//usr): make the target by hand.
find_library(XRT_COREUTIL xrt_coreutil REQUIRED)
find_path(XRT_INCLUDE_DIR xrt/xrt_device.h PATHS /usr/include/xrt REQUIRED)
# libxrt_coreutil needs libuuid, which only the runtime package provides (no .so link).
find_library(XRT_UUID NAMES uuid libuuid.so.1 REQUIRED)
add_library(picket::xrt UNKNOWN IMPORTED)
set_target_properties(picket::xrt PROPERTIES
  IMPORTED_LOCATION "${XRT_COREUTIL}"
  INTERFACE_LINK_LIBRARIES "${XRT_UUID}"
  INTERFACE_INCLUDE_DIRECTORIES "${XRT_INCLUDE_DIR}")

find_package(verilator REQUIRED HINTS /usr/share/verilator)

if(PICKET_TESTS AND NOT PICKET_FUZZ)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

find_package(Python3 REQUIRED COMPONENTS Interpreter)
