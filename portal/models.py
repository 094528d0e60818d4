"""Imports every package's models so the metadata (and Alembic) sees all tables."""
from portal.accounts import models as account_models  # noqa: F401
from portal.analytics import models as analytics_models  # noqa: F401
from portal.jobs import models as job_models  # noqa: F401
from portal.kb import models as kb_models  # noqa: F401
from portal.notices import models as notice_models  # noqa: F401
from portal.search import models as search_models  # noqa: F401
from portal.translation import models as translation_models  # noqa: F401
from portal.trends import models as trend_models  # noqa: F401
