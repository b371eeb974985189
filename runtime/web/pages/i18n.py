"""English for the page chrome, keyed by the zh-CN text; labels in definitions carry their own English."""
from __future__ import annotations

EN: dict[str, str] = {
    # chrome
    "退出": "Sign out",
    "中文": "中文",
    "English": "English",
    "菜单": "Menu",
    "首页": "Home",
    "正在加载…": "Loading…",
    "关闭": "Close",
    "返回首页": "Back to home",
    "其他": "Other",
    "还没有安装任何应用": "No app is installed yet",
    "请先用命令 formwork init --template crm 安装一个应用。": "Install an app first with: formwork init --template crm",
    # login
    "登录": "Sign in",
    "用户名": "Username",
    "密码": "Password",
    "请输入用户名和密码": "Enter your username and password",
    "用户名或密码不正确": "Wrong username or password",
    "无代码业务应用平台": "No-code business apps",
    # home
    "条记录": "records",
    "打开": "Open",
    "共 {n} 个表单": "{n} forms",
    # list
    "新建": "New",
    "回收站": "Recycle bin",
    "搜索": "Search",
    "搜索关键字": "Search keywords",
    "全部": "All",
    "从": "From",
    "到": "To",
    "清除筛选": "Clear filters",
    "筛选": "Filter",
    "共 {n} 条": "{n} records",
    "共 {n}+ 条": "{n}+ records",
    "上一页": "Previous",
    "下一页": "Next",
    "第一页": "First page",
    "还没有{label}，点击“新建”添加第一条": "No {label} yet. Click “New” to add the first one",
    "没有符合条件的记录": "No records match these filters",
    "回收站是空的": "The recycle bin is empty",
    "删除时间": "Deleted at",
    "恢复": "Restore",
    "操作": "Actions",
    "返回列表": "Back to list",
    "已删除的{label}可在这里恢复": "Deleted {label} records can be restored here",
    # detail
    "编辑": "Edit",
    "删除": "Delete",
    "系统信息": "System info",
    "负责人": "Owner",
    "创建人": "Created by",
    "创建时间": "Created at",
    "更新时间": "Updated at",
    "版本": "Version",
    "相关记录": "Related records",
    "查看全部": "View all",
    "暂无记录": "No records yet",
    "确定删除这条{label}记录吗？删除后可以在回收站中恢复。": "Delete this {label} record? You can restore it from the recycle bin.",
    "基本信息": "Details",
    "暂无明细": "No line items",
    "（空）": "(empty)",
    # form
    "保存": "Save",
    "取消": "Cancel",
    "请选择": "Select…",
    "输入关键字搜索": "Type to search",
    "保存后自动生成": "Generated on save",
    "保存后自动计算": "Calculated on save",
    "添加一行": "Add row",
    "删除此行": "Remove row",
    "上传文件": "Upload file",
    "移除": "Remove",
    "没有找到匹配的记录": "No matching records",
    "清除选择": "Clear",
    "请修改以下问题后再保存：": "Please fix the following before saving:",
    "该记录已被他人修改": "This record was changed by someone else",
    "下面是对方保存后的最新内容。你填写的内容仍保留在表单中：再次点击“保存”将以你的内容覆盖，或": "Below is what they saved. Your input is still in the form: click “Save” again to overwrite with it, or",
    "重新加载最新内容（放弃你的修改）": "reload the latest version (discard your changes)",
    "必填": "Required",
    "是": "Yes",
    "第 {n} 行": "row {n}",
    "暂无明细，点击“添加一行”": "No line items yet. Click “Add row”",
    "编辑{label}": "Edit {label}",
    "新建{label}": "New {label}",
    "文件类型不支持，可上传：{accept}": "File type not allowed; allowed: {accept}",
    "请选择要上传的文件": "Choose a file to upload",
    # flash
    "已保存": "Saved",
    "已删除，可在回收站中恢复": "Deleted. You can restore it from the recycle bin",
    "已恢复": "Restored",
    "无法恢复：{reason}": "Can't restore: {reason}",
    "已退出登录": "You have signed out",
    # errors
    "页面不存在": "Page not found",
    "请求已失效": "Request expired",
    "未找到": "Not found",
    "请求有误": "Bad request",
    "查询参数有误": "Invalid query",
    "没有权限": "Forbidden",
    "不支持的请求方式": "Method not allowed",
    "文件无法上传": "Upload refused",
    "数据已被他人修改": "Changed by someone else",
    "页面已过期或请求来源无法确认，请刷新页面后重试": "This page has expired or the request could not be verified; reload the page and try again",
    "系统出错了": "Something went wrong",
}


def translate(text: str, lang: str, **params) -> str:
    """The text in `lang` (zh-CN text is the key), with {placeholders} filled in."""
    out = EN.get(text, text) if lang == "en" else text
    if params:
        try:
            return out.format(**params)
        except (KeyError, IndexError):
            return out
    return out
