# Install rules and the CMake package, so that an application can
#   find_package(gpuhal REQUIRED)
#   target_link_libraries(app PRIVATE gpuhal::gpuhal)
# Every static library in gpuhal::gpuhal's link closure is installed and exported.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GPUHAL_EXPORTED_TARGETS gpuhal gpuhal_testing gpuhal_build_options)
foreach(library IN ITEMS gpuhal_runtime gpuhal_runtime_internal gpuhal_cuda_symbols gpuhal_hip_symbols gpuhal_gpu
                         gpuhal_cuda gpuhal_hip gpuhal_fake_engine gpuhal_fake_collectives
                         gpuhal_fake_kernels gpuhal_fake_cuda gpuhal_fake_hip
                         gpuhal_fake_drivers gpuhal_builtin_drivers)
  if(TARGET ${library})
    list(APPEND GPUHAL_EXPORTED_TARGETS ${library})
  endif()
endforeach()

# gpuhal-pack, for gpuhal_add_kernels in an application's build.
if(TARGET gpuhal-pack)
  list(APPEND GPUHAL_EXPORTED_TARGETS gpuhal-pack)
endif()

install(TARGETS ${GPUHAL_EXPORTED_TARGETS}
        EXPORT gpuhalTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY runtime/include/gpuhal DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(EXPORT gpuhalTargets NAMESPACE gpuhal::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gpuhal)

configure_package_config_file(cmake/gpuhalConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/gpuhalConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gpuhal
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/gpuhalConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gpuhalConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/gpuhalConfigVersion.cmake
              ${CMAKE_CURRENT_SOURCE_DIR}/cmake/GpuhalKernels.cmake
              ${CMAKE_CURRENT_SOURCE_DIR}/cmake/GpuhalEmbedFile.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gpuhal)
