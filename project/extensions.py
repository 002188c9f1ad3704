"""Extension objects, created unbound; `create_app` binds them with `init_app`.

The flask-smorest `Api` is deliberately not here: it keeps its app and spec on
itself, so each app builds its own (see `project.api`).
"""

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from project.common.database import RequestSession
from project.common.jwt_manager import VerifyingOnceJWTManager
from project.common.metrics import count_rate_limit_breach
from project.common.models import Base

# Objects stay readable after commit: responses are serialised from them.
db = SQLAlchemy(
    model_class=Base, session_options={"expire_on_commit": False, "class_": RequestSession}
)
migrate = Migrate()
jwt = VerifyingOnceJWTManager()
cache = Cache()
limiter = Limiter(key_func=get_remote_address, on_breach=count_rate_limit_breach)
mail = Mail()
