"""A small, valid spec document for loader tests; each test breaks one thing in it."""

MINIMAL = """\
policies:
  base_url: https://api.example.test/api/v1
  tokens: {lifetime_days: 90}
  rate_limits:
    window_seconds: 60
    global: {limit: 300}
    categories:
      general: {limit: 300}
  pagination:
    envelope:
      type: object
      properties:
        current_page: {type: integer}
        total: {type: integer}
      required: [current_page, total]
  global_responses:
    - {status: 429, applies_to: all, schema: {ref: error}}
errors:
  bodies:
    error:
      type: object
      properties: {message: {type: string}}
      required: [message]
  statuses:
    200: {meaning: Success}
    404: {meaning: Not Found}
    429: {meaning: Rate Limited}
resources:
  resources:
    Track:
      fields:
        id: {schema: {type: integer}, tier: public}
        name: {schema: {type: string}, tier: public}
        bpm: {schema: {type: integer}}
api:
  - section: Demo
    operations:
      - id: tracks.show
        method: GET
        path: /tracks/{id}
        group: Tracks
        title: Get Track
        auth: optional
        parameters:
          path:
            id: {schema: {type: integer}}
        responses:
          200:
            schema:
              type: object
              properties: {track: {resource: Track}}
              required: [track]
          404: {schema: {ref: error}}
"""


def replace(old: str, new: str) -> str:
    """MINIMAL with one exact snippet replaced (fails loudly if the snippet is not there)."""
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)
