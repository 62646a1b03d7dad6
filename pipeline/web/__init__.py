"""The review web app (`pls serve`): `app` (security, sessions), `routes` (pages and forms),
`views` (what each page shows), `templates/` and `static/`. `create_app` builds it."""
