"""The portal's routes: ``create_app(settings)`` builds the FastAPI application.

Every page but ``/login`` and ``/static/*`` needs a session. A county clerk reaches only pages,
files and uploads of their own county (another county's: 403; a county that does not exist: 404);
city staff reach every county's pages and the city page, and never upload for a county.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from teachflow import calendar
from teachflow.datasets import DATASETS, county_datasets
from teachflow.ingestion.feedback import feedback_lines, feedback_paths
from teachflow.portal import accounts, uploads, views
from teachflow.portal.security import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    csrf_ok,
    csrf_token,
    https_only,
    portal_secret,
)
from teachflow.settings import Settings, load_settings
from teachflow.submission_status import STATUS_ZH
from teachflow.warehouse.engine import make_engine

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
#: Problems listed on the upload page; the rest are in the downloadable feedback.
PROBLEMS_SHOWN = 200


class LoginRequired(Exception):
    """No session: the handler sends the browser to the login page."""


def create_app(settings: Settings | None = None, *, now=None) -> FastAPI:
    """The portal for ``settings`` (default: the environment). ``now`` returns the clock (tests)."""
    settings = settings or load_settings()
    clock = now or calendar.now_utc
    engine = make_engine(settings.warehouse_url)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(
        dataset_titles=views.dataset_titles(), dataset_short=views.DATASET_SHORT, status_zh=STATUS_ZH
    )

    app = FastAPI(title="teachflow 县区报送门户", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        SessionMiddleware,
        secret_key=portal_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=https_only(),
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.engine = engine
    app.state.settings = settings

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        )
        if "text/html" in response.headers.get("content-type", ""):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)  # FastAPI's HTTPException and the router's 404
    async def http_error(request: Request, exc: StarletteHTTPException):
        messages = {403: "您没有权限查看此页面。", 404: "页面或文件不存在。", 400: "请求无效。", 413: "文件太大。"}
        username = request.session.get("user") if "session" in request.scope else None
        user = accounts.load_user(engine, username) if username else None
        message = exc.detail or messages.get(exc.status_code, "出错了。")
        return render(request, "error.html", user, status_code=exc.status_code, status=exc.status_code, message=message)

    # --- helpers -------------------------------------------------------------------------------

    def current_user(request: Request) -> accounts.User:
        username = request.session.get("user")
        if not username:
            raise LoginRequired()
        user = accounts.load_user(engine, username)
        if user is None:
            request.session.clear()
            raise LoginRequired()
        return user

    def county_for(user: accounts.User, county_code: str) -> str:
        """The county's name if ``user`` may see it; 404 for no such county, 403 for another's."""
        with engine.connect() as conn:
            if not views.is_county(conn, county_code):
                raise HTTPException(404, "没有这个区县。")
            name = views.county_names(conn)[county_code]
        if not user.may_see(county_code):
            raise HTTPException(403, "您只能查看本区县的报送情况。")
        return name

    async def checked_form(request: Request):
        form = await request.form()
        if not csrf_ok(request.session, form.get("csrf")):
            raise HTTPException(400, "页面已过期，请刷新后重试（CSRF 校验失败）。")
        return form

    def render(request: Request, name: str, user: accounts.User | None, status_code: int = 200, **context):
        return templates.TemplateResponse(
            request,
            name,
            {"user": user, "csrf": csrf_token(request.session), "now_local": calendar.format_local(clock()), **context},
            status_code=status_code,
        )

    # --- log in and out --------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "/"):
        return render(request, "login.html", None, next=_local_path(next), error=None)

    @app.post("/login")
    async def login(request: Request):
        form = await checked_form(request)
        username = str(form.get("username") or "").strip()
        user = accounts.authenticate(engine, username, str(form.get("password") or ""), now=clock())
        target = _local_path(str(form.get("next") or "/"))
        if user is None:
            return render(
                request,
                "login.html",
                None,
                status_code=401,
                next=target,
                error="用户名或密码不正确，或账号已被暂时锁定（连续输错 5 次锁定 5 分钟）。",
            )
        request.session.clear()
        request.session["user"] = user.username
        request.session["since"] = clock().isoformat()
        csrf_token(request.session)  # a fresh token for the new session
        return RedirectResponse(target, status_code=303)

    @app.post("/logout")
    async def logout(request: Request):
        await checked_form(request)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/")
    async def home(request: Request):
        user = current_user(request)
        return RedirectResponse("/city" if user.is_city else f"/county/{user.county_code}", status_code=303)

    # --- the city page -----------------------------------------------------------------------------

    @app.get("/city", response_class=HTMLResponse)
    async def city(request: Request, county: str = "", period: str = "", status: str = "", months: int = 6):
        user = current_user(request)
        if not user.is_city:
            raise HTTPException(403, "市局页面只对市局数据科开放。")
        today = calendar.today_local(clock())
        periods = views.grid_periods(today, max(1, min(months, 24)))
        with engine.connect() as conn:
            names = views.county_names(conn)
            city_code = views.city_code(conn)
            all_cells = views.cells(conn, settings.outbox, periods, at=clock(), due_day=settings.due_day)
        shown = [
            c
            for c in views.action_first(all_cells)
            if (not county or c.status.county_code == county)
            and (not period or c.status.period == period)
            and (not status or c.status.status == status or (status == "late" and c.status.late))
        ]
        digest_days = views.digest_dates(settings.outbox, city_code) if city_code else []
        digest = views.digest_text(settings.outbox, city_code, digest_days[0]) if digest_days else None
        return render(
            request,
            "city.html",
            user,
            cells=shown,
            counts=views.status_counts(all_cells),
            names=names,
            periods=periods,
            filters={"county": county, "period": period, "status": status},
            county_codes=sorted(c for c in names if c != city_code),
            overview=views.matrix(all_cells, sorted(c for c in names if c != city_code), periods),
            digest=digest,
            digest_day=digest_days[0] if digest_days else None,
            city_code=city_code,
            lists=views.named_lists(settings.outbox, city_code) if city_code else [],
        )

    @app.get("/city/lists/{filename}")
    async def city_list(request: Request, filename: str):
        """The whole city's named lists (``<outbox>/<city>/lists/``), for city staff only."""
        user = current_user(request)
        if not user.is_city:
            raise HTTPException(403, "市局页面只对市局数据科开放。")
        with engine.connect() as conn:
            code = views.city_code(conn)
        path = views.named_list_path(settings.outbox, code, filename) if code else None
        if path is None:
            raise HTTPException(404, "没有这个名单。")
        return FileResponse(path, filename=filename)

    @app.get("/city/digest/{day}", response_class=HTMLResponse)
    async def city_digest(request: Request, day: str):
        user = current_user(request)
        if not user.is_city:
            raise HTTPException(403, "市局页面只对市局数据科开放。")
        with engine.connect() as conn:
            code = views.city_code(conn)
        text = views.digest_text(settings.outbox, code, day) if code else None
        if text is None:
            raise HTTPException(404, "没有这一天的日报。")
        return render(request, "digest.html", user, title="全市", day=day, text=text, back="/city")

    # --- a county ----------------------------------------------------------------------------------

    @app.get("/county/{county_code}", response_class=HTMLResponse)
    async def county(request: Request, county_code: str, months: int = 6):
        user = current_user(request)
        name = county_for(user, county_code)
        today = calendar.today_local(clock())
        periods = views.grid_periods(today, max(1, min(months, 24)))
        with engine.connect() as conn:
            county_cells = views.cells(
                conn, settings.outbox, periods, at=clock(), due_day=settings.due_day, county_codes=[county_code]
            )
        days = views.digest_dates(settings.outbox, county_code)
        return render(
            request,
            "county.html",
            user,
            county_code=county_code,
            county_name=name,
            rows=views.grid(county_cells, periods),
            counts=views.status_counts(county_cells),
            datasets=county_datasets(),
            lists=views.named_lists(settings.outbox, county_code),
            digest_days=days[:14],
            digest=views.digest_text(settings.outbox, county_code, days[0]) if days else None,
            due_day=settings.due_day,
            notice=request.session.pop("notice", None),
        )

    @app.get("/county/{county_code}/digest/{day}", response_class=HTMLResponse)
    async def county_digest(request: Request, county_code: str, day: str):
        user = current_user(request)
        name = county_for(user, county_code)
        text = views.digest_text(settings.outbox, county_code, day)
        if text is None:
            raise HTTPException(404, "没有这一天的日报。")
        return render(request, "digest.html", user, title=name, day=day, text=text, back=f"/county/{county_code}")

    @app.get("/county/{county_code}/feedback/{period}/{filename}")
    async def feedback_file(request: Request, county_code: str, period: str, filename: str):
        user = current_user(request)
        county_for(user, county_code)
        dataset, _, kind = filename.rpartition(".")
        if dataset not in county_datasets() or kind not in ("xlsx", "csv") or not calendar.is_period(period):
            raise HTTPException(404, "没有这个反馈文件。")
        paths = feedback_paths(settings.outbox, county_code, period, dataset)
        path = paths.xlsx if kind == "xlsx" else paths.csv
        if not path.is_file():
            raise HTTPException(404, "这个月份的反馈文件还没有生成。")
        download = f"{county_code}_{period}_{DATASETS[dataset].title_zh}_反馈.{kind}"
        return FileResponse(path, filename=download, media_type=_MEDIA[kind])

    @app.post("/county/{county_code}/feedback/{period}/{dataset}/resend")
    async def resend_feedback(request: Request, county_code: str, period: str, dataset: str):
        """City staff re-send a submission's feedback to the county's clerks (cycle.md "Who sees what").

        Feedback files missing from the outbox are first written again from the ledger
        (``teachflow feedback resend``'s function), then e-mailed.
        """
        user = current_user(request)
        name = county_for(user, county_code)
        if not user.is_city:
            raise HTTPException(403, "只有市局数据科可以重发反馈。")
        await checked_form(request)
        if dataset not in county_datasets() or not calendar.is_period(period):
            raise HTTPException(404, "没有这个反馈文件。")
        paths = feedback_paths(settings.outbox, county_code, period, dataset)
        if not (paths.xlsx.is_file() and paths.csv.is_file()):  # lost from the outbox: written again first
            from teachflow.ingestion.resend import resend_feedback

            resend_feedback(engine, settings, county_code, period)
        files = [p for p in (paths.xlsx, paths.csv) if p.is_file()]
        if not files:
            raise HTTPException(404, "这个月份的反馈文件还没有生成。")
        from teachflow.mail import send_mail, smtp_from_env

        with engine.connect() as conn:
            to = accounts.digest_addresses(conn).get(county_code, [])
        smtp = smtp_from_env()
        if smtp is None or not to:
            note = (
                "未配置邮件服务器（TEACHFLOW_SMTP_HOST），未发送。"
                if smtp is None
                else "本区县账号没有登记邮箱，未发送。"
            )
        else:
            title = DATASETS[dataset].title_zh
            try:
                send_mail(
                    smtp,
                    to,
                    f"【反馈重发】{name} {period} {title}",
                    f"{name}：\n\n市局数据科重发 {period} {title}的反馈，见附件。\n\n县区报送门户",
                    files,
                )
                note = f"已把 {period} {title}的反馈重发给 {'、'.join(to)}。"
            except OSError as err:
                log.warning("resend of %s/%s/%s failed: %s", county_code, period, dataset, err)
                note = "邮件发送失败，请稍后重试。"
        request.session["notice"] = note
        return RedirectResponse(f"/county/{county_code}", status_code=303)

    @app.get("/county/{county_code}/templates/{filename}")
    async def template_file(request: Request, county_code: str, filename: str):
        user = current_user(request)
        name = county_for(user, county_code)
        dataset, _, kind = filename.rpartition(".")
        if dataset not in county_datasets() or kind != "xlsx":
            raise HTTPException(404, "没有这个模板。")
        from teachflow.templates import build_county_template

        with engine.connect() as conn:
            schools = views.county_schools(conn, county_code)
        buffer = io.BytesIO()
        build_county_template(DATASETS[dataset], name, schools).save(buffer)
        download = f"{name}_{DATASETS[dataset].title_zh}_模板.xlsx"
        return Response(
            buffer.getvalue(),
            media_type=_MEDIA["xlsx"],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(download)}"},
        )

    @app.get("/county/{county_code}/lists/{filename}")
    async def named_list(request: Request, county_code: str, filename: str):
        user = current_user(request)
        county_for(user, county_code)
        path = views.named_list_path(settings.outbox, county_code, filename)
        if path is None:
            raise HTTPException(404, "没有这个名单。")
        return FileResponse(path, filename=filename)

    # --- upload, pre-check, submit -------------------------------------------------------------------

    def upload_allowed(user: accounts.User, county_code: str) -> str:
        name = county_for(user, county_code)
        if not user.may_upload(county_code):
            raise HTTPException(403, "只有本区县的报送员可以上传文件；市局不代区县报送。")
        return name

    def upload_context(county_code: str, name: str, **extra) -> dict:
        today = calendar.today_local(clock())
        return {
            "county_code": county_code,
            "county_name": name,
            "periods": views.grid_periods(today, 12),
            "datasets": county_datasets(),
            "max_mb": settings.max_file_bytes // (1024 * 1024),
            "error": None,
            "result": None,
            "staged": None,
            "chosen": {},
            **extra,
        }

    @app.get("/county/{county_code}/upload", response_class=HTMLResponse)
    async def upload_page(request: Request, county_code: str):
        user = current_user(request)
        name = upload_allowed(user, county_code)
        return render(request, "upload.html", user, **upload_context(county_code, name))

    @app.post("/county/{county_code}/upload", response_class=HTMLResponse)
    async def upload(request: Request, county_code: str):
        user = current_user(request)
        name = upload_allowed(user, county_code)
        declared = int(request.headers.get("content-length") or 0)
        if declared > settings.max_file_bytes + 1024 * 1024:
            raise HTTPException(413, f"文件超过大小上限 {settings.max_file_bytes // (1024 * 1024)} MB。")
        form = await checked_form(request)
        upload_file = form.get("file")
        filename = getattr(upload_file, "filename", "") or ""
        guessed_period, guessed_dataset = uploads.guess_from_name(filename)
        period = str(form.get("period") or "") or guessed_period or ""
        dataset = str(form.get("dataset") or "") or guessed_dataset or ""
        chosen = {"period": period, "dataset": dataset}
        if upload_file is None or not hasattr(upload_file, "read") or not filename:
            return render(
                request,
                "upload.html",
                user,
                status_code=400,
                **upload_context(county_code, name, error="请选择要上传的文件。 / Choose a file.", chosen=chosen),
            )
        try:
            staged = uploads.stage_upload(settings, county_code, period, dataset, filename, upload_file.file)
        except uploads.UploadRefused as refused:
            return render(
                request,
                "upload.html",
                user,
                status_code=400,
                **upload_context(county_code, name, error=str(refused), chosen=chosen),
            )
        from teachflow.ingestion.pipeline import load_reference_data
        from teachflow.ingestion.precheck import precheck, write_precheck_feedback

        result = precheck(
            staged.path,
            dataset,
            county_code,
            period,
            load_reference_data(engine),
            settings,
            calendar.today_local(clock()),
        )
        write_precheck_feedback(
            staged.path.parent / "feedback", staged.path, dataset, county_code, period, result, county_name=name
        )
        problems = result.assessment.problems
        lines = feedback_lines(dataset, problems, result.assessment.row_names, limit=PROBLEMS_SHOWN)
        return render(
            request,
            "upload.html",
            user,
            **upload_context(
                county_code,
                name,
                result=result,
                lines=lines,
                more=max(0, len(problems) - PROBLEMS_SHOWN),
                staged=staged,
                chosen=chosen,
            ),
        )

    @app.get("/county/{county_code}/upload/{token}/feedback.{kind}")
    async def precheck_feedback(request: Request, county_code: str, token: str, kind: str):
        user = current_user(request)
        upload_allowed(user, county_code)
        staged = uploads.load_staged(settings, token, county_code)
        if staged is None or kind not in ("xlsx", "csv"):
            raise HTTPException(404, "预检结果已失效，请重新上传。")
        folder = staged.path.parent / "feedback"  # written straight into this folder (write_feedback's folder=)
        paths = feedback_paths(folder, county_code, staged.period, staged.dataset)
        paths = type(paths)(*(folder / p.name for p in (paths.xlsx, paths.csv, paths.status_json)))
        path = paths.xlsx if kind == "xlsx" else paths.csv
        if not path.is_file():
            raise HTTPException(404, "预检结果已失效，请重新上传。")
        return FileResponse(path, filename=f"预检_{staged.period}_{DATASETS[staged.dataset].title_zh}.{kind}")

    @app.post("/county/{county_code}/submit", response_class=HTMLResponse)
    async def submit(request: Request, county_code: str):
        user = current_user(request)
        name = upload_allowed(user, county_code)
        form = await checked_form(request)
        staged = uploads.load_staged(settings, str(form.get("token") or ""), county_code)
        if staged is None:
            raise HTTPException(404, "预检结果已失效或已报送，请重新上传。")
        relative = uploads.land(settings, staged)
        run_id = uploads.trigger_ingest(relative)
        log.info("portal: %s submitted %s (airflow run %s)", user.username, relative, run_id)
        return render(
            request,
            "submitted.html",
            user,
            county_code=county_code,
            county_name=name,
            relative=relative,
            staged=staged,
            run_id=run_id,
            at=calendar.format_local(clock()),
        )

    return app


_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _local_path(target: str) -> str:
    """Only a path on this site after login (no open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
