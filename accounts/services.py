from accounts.models import Assignment, Role, User
from members.models import Unit


def ensure_user(username: str, *, password: str, superuser: bool = False) -> User:
    """Creates the user, or resets an existing one's password and flags."""
    user = User.objects.filter(username=username).first() or User(username=username)
    user.is_superuser = user.is_staff = superuser
    user.set_password(password)
    user.save()
    return user


def assign(user: User, unit: Unit, role: Role) -> Assignment:
    assignment, _created = Assignment.objects.update_or_create(
        user=user, unit=unit, defaults={"role": role}
    )
    return assignment
