from . import linux
from . import rsyslog
from . import storage