/**
 * nginx's core variables that `set` cannot assign. `set $name` registers `name` as changeable;
 * when a module already defined `name` without the changeable flag, nginx refuses the whole
 * configuration: `[emerg] the duplicate "request_id" variable` (ngx_http_add_variable). Only
 * `$args` (with its alias `$query_string`) and `$limit_rate` are changeable in the core; they
 * are not listed here. Prefix families (`$http_*`, `$arg_*`, `$cookie_*`, `$sent_http_*`) are
 * resolved at run time and are not in this list either.
 */
export const UNCHANGEABLE_BUILTINS: ReadonlySet<string> = new Set([
  'request_id',
  'remote_addr',
  'remote_port',
  'binary_remote_addr',
  'remote_user',
  'host',
  'hostname',
  'request',
  'request_uri',
  'request_method',
  'request_length',
  'request_time',
  'request_body',
  'uri',
  'document_uri',
  'document_root',
  'realpath_root',
  'scheme',
  'https',
  'server_name',
  'server_addr',
  'server_port',
  'server_protocol',
  'status',
  'content_length',
  'content_type',
  'body_bytes_sent',
  'bytes_sent',
  'connection',
  'connection_requests',
  'msec',
  'time_local',
  'time_iso8601',
  'pid',
  'nginx_version',
]);
