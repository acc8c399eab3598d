include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
install(TARGETS ecopt ${ECOPT_MODULES} EXPORT ecoptTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/ecopt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ecoptTargets NAMESPACE ecopt:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ecopt)
configure_package_config_file(cmake/ecoptConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/ecoptConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ecopt)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ecoptConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ecoptConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/ecoptConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ecopt)
if(TARGET ecopt_cli)
  install(TARGETS ecopt_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
