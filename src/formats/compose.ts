/** compose.yaml, docker-compose.dev.yml, compose.override.yml, docker-compose-prod.yaml … */
const COMPOSE_NAME = /^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/i;

/** Whether a path names a Compose file (by its name, as `docker compose` and editors tell). */
export function isComposePath(p: string): boolean {
  return COMPOSE_NAME.test(p.slice(p.lastIndexOf('/') + 1));
}
