from accounts.models import Assignment, Role, User
from members.models import Unit


def ensure_user(username: str, *, password: str, superuser: bool = False) -> User:
    """Creates the user with this password; an existing user keeps theirs.

    Hashing is deliberately slow (~0.4 s), and a user who changed the password keeps it.
    """
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_password(password)
    user.is_superuser = user.is_staff = superuser
    user.save()
    return user


def assign(user: User, unit: Unit, role: Role) -> Assignment:
    assignment, _created = Assignment.objects.update_or_create(
        user=user, unit=unit, defaults={"role": role}
    )
    return assignment
