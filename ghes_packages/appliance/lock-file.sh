# The appliance-wide lock of configure runs. GHES_PACKAGES_LOCK_DIR exists for the test stand-in appliance,
# whose admin shell has no /data/user/tmp; ghes-packages never sends it.
readonly lock_file=${GHES_PACKAGES_LOCK_DIR:-{{ lock_dir|shq }}}/{{ lock_name|shq }}
