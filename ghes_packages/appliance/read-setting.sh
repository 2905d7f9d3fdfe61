# Reads setting $1 into $setting and $setting_is_set. ghe-config is assumed to behave like `git config`:
# exit 0 and the value for a set key, exit 1 and no output for an unset one; anything else is an error.
read_setting() {
  local out status=0
  out=$(ghe-config "$1" && printf x) || status=$?  # the x keeps trailing newlines of the value
  case $status in
    0) out=${out%x}; setting=${out%$'\n'}; setting_is_set=1 ;;
    1) setting=''; setting_is_set=0 ;;
    *) return "$status" ;;
  esac
}
