# == Class: postfix::params
#
# Default parameter values for postfix
class postfix::params {
  $version = 'latest'
  $port    = 25
}
