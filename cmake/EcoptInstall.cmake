include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
install(TARGETS ecopt ${ECOPT_MODULES} EXPORT ecoptTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
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
  set_target_properties(ecopt_cli PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
  install(TARGETS ecopt_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# The plugins beside the modules they call back into (where
# ecopt/core/plugin.hpp looks for them); not exported: they are opened,
# never linked. (The dashboard plugin is also a module, exported above.)
foreach(plugin ecopt_postgres ecopt_torch_tasks)
  if(TARGET ${plugin})
    install(TARGETS ${plugin} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  endif()
endforeach()
